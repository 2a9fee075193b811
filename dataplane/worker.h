// The per-core poll loop: rx burst -> run_pipeline -> tx, over the (port,
// queue) pairs this worker owns, with its own tx queue on every port. The
// loop reports an RCU quiescent state once per iteration and, when it has
// found nothing to do for a while, sleeps with exponential back-off so an
// idle appliance leaves the core to others; one packet resets the back-off,
// so a loaded worker never sleeps.
#pragma once

#include <rte_mbuf.h>
#include <rte_ring.h>

#include <atomic>
#include <memory>
#include <cstdint>
#include <vector>

#include "conntrack/flow_table.h"
#include "conntrack/fragment_table.h"
#include "dataplane/burst.h"
#include "dataplane/connection_listing.h"
#include "dataplane/pipeline.h"
#include "dataplane/counters.h"
#include "dataplane/snapshot_publisher.h"

namespace vfpath {

inline constexpr uint32_t kNoCounterSlot = ~0u;

struct RxQueue {
  uint16_t port;
  uint16_t queue;
};

struct IdlePolicy {
  uint32_t spin_loops = 256;     // empty polls before the first sleep
  uint32_t max_sleep_us = 200;   // back-off ceiling; 0 = never sleep (pure polling)
};

// Single-producer single-consumer rings between workers: ring(from, to)
// carries packets `from` received whose connection `to` owns (DESIGN §5;
// conntrack/README.md says why owned tables and handoff beat a shared table).
class HandoffRings final {
 public:
  // Throws std::runtime_error when a ring cannot be created.
  HandoffRings(unsigned workers, unsigned size = 1024);
  ~HandoffRings();
  HandoffRings(const HandoffRings&) = delete;
  HandoffRings& operator=(const HandoffRings&) = delete;
  rte_ring* ring(unsigned from, unsigned to) const { return rings_[from * workers_ + to]; }
  unsigned workers() const { return workers_; }

 private:
  unsigned workers_;
  std::vector<rte_ring*> rings_;
};

// A worker's connection tracking: its table (capacity / workers connections)
// and fragment table. Created before the worker starts, then its alone.
struct WorkerTables {
  std::unique_ptr<ct::FlowTable> flows;
  std::unique_ptr<ct::FragmentTable> fragments;
  // `zone_counts`: kMaxEnis entries shared by all workers' tables (the
  // allowance is per ENI, not per worker). Throws std::runtime_error when
  // memory is short.
  static WorkerTables create(uint32_t capacity, unsigned workers, ct::SharedZoneCount* zone_counts);
};

class Worker final {
 public:
  Worker(unsigned id, SnapshotPublisher& publisher, LcoreCounters& counters,
         std::vector<RxQueue> rx, uint16_t tx_queue, IdlePolicy idle, WorkerTables tables,
         const HandoffRings& handoff);

  // Runs until `stop` is set. Call on the worker's own lcore.
  void run(const std::atomic<bool>& stop);

  // Control thread: asks this worker to list its connections into `r` (see
  // connection_listing.h); r.done turns true when it has. One request at a
  // time; `r` must outlive it.
  void request_listing(ListingRequest& r) { listing_.store(&r, std::memory_order_release); }
  // False once run() has returned: it touches no listing request after that.
  bool running() const { return running_.load(std::memory_order_acquire); }

 private:
  uint16_t poll(const Snapshot& s, RxQueue q);
  // Runs the pipeline on packets other workers handed over.
  uint16_t drain_handoffs(const Snapshot& s);
  void process(const Snapshot& s, rte_mbuf** mbufs, uint16_t n, uint16_t port, bool from_port);
  // Applies a new snapshot's per-ENI conntrack settings to this worker's table.
  void sync_zones(const Snapshot& s);
  // Publishes this worker's connection count per ENI (gauges).
  void publish_connections(const Snapshot& s);
  void flush_handoffs();
  // Counts what the pipeline decided (per ENI, per reason, per NACL entry).
  void count_verdicts(const Snapshot& s, const Burst& b, const uint32_t* lengths);
  // Frees a dropped frame or queues it for its output port.
  void queue_or_free(const Snapshot& s, rte_mbuf* m, const Burst& b, uint16_t i);
  void queue(uint16_t port, rte_mbuf* m, uint32_t slot);
  void queue_to_uplink(const Snapshot& s, rte_mbuf* m, bool encapsulated);
  // Overlay: lends the burst spare mbufs for fragments (from the rx pool),
  // and queues those the pipeline filled.
  void lend_spares(const Snapshot& s, Burst& b, rte_mempool* pool);
  void queue_spares(const Snapshot& s, const Burst& b);
  void flush(uint16_t port);
  void flush_all();

  struct Pending {
    rte_mbuf* mbufs[32];
    uint32_t slots[32];  // ENI counter slot per mbuf; kNoCounterSlot: none (uplink)
    uint32_t bytes[32];  // its length: after tx the PMD owns the mbuf
    uint16_t count = 0;
  };

  unsigned id_;
  SnapshotPublisher& publisher_;
  LcoreCounters& counters_;
  std::vector<RxQueue> rx_;
  uint16_t tx_queue_;
  IdlePolicy idle_;
  std::vector<Pending> pending_;  // per port, sized once
  std::unique_ptr<Burst> burst_;  // reused: only the verdicts of a burst are reset
  uint16_t dirty_[kMaxPorts];     // ports with pending frames
  uint16_t dirty_count_ = 0;
  WorkerTables tables_;
  const HandoffRings& handoff_;
  PipelineContext ctx_;
  const Snapshot* synced_ = nullptr;  // the snapshot sync_zones last applied
  std::atomic<ListingRequest*> listing_{nullptr};
  std::atomic<bool> running_{true};
  uint32_t loops_ = 0;
  struct Outbox {
    rte_mbuf* mbufs[kBurstSize];
    uint16_t count = 0;
  };
  std::vector<Outbox> outbox_;  // per owner worker
  rte_mbuf* spares_[kSpareFrames] = {};  // lent to each burst (overlay fragments)
};

}  // namespace vfpath
