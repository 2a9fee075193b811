// The per-core poll loop: rx burst -> run_pipeline -> tx, over the (port,
// queue) pairs this worker owns, with its own tx queue on every port. The
// loop reports an RCU quiescent state once per iteration and, when it has
// found nothing to do for a while, sleeps with exponential back-off so an
// idle appliance leaves the core to others; one packet resets the back-off,
// so a loaded worker never sleeps.
//
// The loop is a template over its I/O (worker_io.h): `Worker` is the DPDK
// one, unit tests run BasicWorker over fake ports and rings. The counting
// rules are pure functions (accounting.h).
#pragma once

#include <rte_mbuf.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/accounting.h"
#include "dataplane/burst.h"
#include "dataplane/connection_listing.h"
#include "dataplane/counters.h"
#include "dataplane/pipeline.h"
#include "dataplane/router_adverts.h"
#include "dataplane/snapshot_publisher.h"
#include "dataplane/worker_io.h"
#include "dataplane/worker_tables.h"

namespace vfpath {

struct RxQueue {
  uint16_t port;
  uint16_t queue;
};

struct IdlePolicy {
  uint32_t spin_loops = 256;     // empty polls before the first sleep
  uint32_t max_sleep_us = 200;   // back-off ceiling; 0 = never sleep (pure polling)
};

template <WorkerIo Io>
class BasicWorker final {
 public:
  // `workers`: how many workers share the connections (1: no handoff).
  BasicWorker(unsigned id, unsigned workers, Io io, SnapshotPublisher& publisher, LcoreCounters& counters,
              std::vector<RxQueue> rx, uint16_t tx_queue, IdlePolicy idle, WorkerTables tables,
              RouterAdvertPolicy adverts = {});
  ~BasicWorker();
  BasicWorker(const BasicWorker&) = delete;
  BasicWorker& operator=(const BasicWorker&) = delete;

  // Runs until `stop` is set. Call on the worker's own lcore.
  void run(const std::atomic<bool>& stop);
  // One loop iteration against the current snapshot: every rx queue and
  // handoff ring polled once, their frames decided and transmitted, then
  // aging, a listing slice and the RCU quiescent report. Returns the frames
  // it took in. run() calls it; tests call it directly (registered with
  // `publisher` and online).
  uint32_t iterate();

  // Control thread: asks this worker to list its connections into `r` (see
  // connection_listing.h); r.done turns true when it has. One request at a
  // time; `r` must outlive it.
  void request_listing(ListingRequest& r) { listing_.store(&r, std::memory_order_release); }
  // False once run() has returned: it touches no listing request after that.
  bool running() const { return running_.load(std::memory_order_acquire); }
  // Its IDS streams, alert ring and counters (the control side drains and reads them).
  IdsWorkerState* ids_state() { return tables_.ids.get(); }

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
  // Instance metadata: queues the requests of a burst for the service, and
  // (worker 0) sends the service's replies to their VMs.
  void flush_metadata();
  uint16_t deliver_metadata_replies(const Snapshot& s);
  // Worker 0: the unsolicited router advertisements due (router_adverts.h).
  void send_router_adverts(const Snapshot& s);
  // Frees a dropped frame, or queues it for its output port or owner worker.
  void queue_or_free(const Snapshot& s, rte_mbuf* m, const Burst& b, uint16_t i);
  void queue(uint16_t port, rte_mbuf* m, uint32_t slot, TrafficClass cls = TrafficClass::kNone);
  // A fragment the pipeline left as kHold (ahead of its first fragment):
  // kept in the hold, or dropped and counted when the hold refuses it.
  // True when it completed a short first fragment's header and that header
  // was judged: the datagram's held fragments are then to be resumed.
  bool hold(const Snapshot& s, rte_mbuf* m, const Burst& b, uint16_t i, uint32_t rx_length);
  // Judges a short first fragment's TCP header once held fragments complete
  // it: a first fragment of the header's bytes, built in a spare mbuf, runs
  // the pipeline (classified, tracked, recorded for its datagram), and is
  // freed, never sent; the held pieces then follow it. False: not complete
  // yet (or no mbuf to build it in: the pieces time out).
  bool judge_short_first(const Snapshot& s, const ct::FragmentKey& datagram);
  // The first fragments of datagrams[0, n) were decided: their held
  // fragments follow now, in bursts of one input port.
  void resume_held(const Snapshot& s, const ct::FragmentKey* datagrams, uint16_t n);
  void resume_run(const Snapshot& s, HeldFragment* f, uint16_t n);
  // Counts a held fragment dropped for `r` (its ENIs only if it was held
  // under this snapshot's generation) and frees it.
  void drop_held(const Snapshot& s, HeldFragment& f, DropReason r);
  void expire_held(const Snapshot& s);
  void free_held();
  // Overlay: lends the burst spare mbufs for fragments (from the rx pool),
  // and queues those the pipeline filled.
  void lend_spares(const Snapshot& s, rte_mempool* pool);
  void queue_spares(const Snapshot& s);
  void flush(uint16_t port);
  void flush_all();

  struct Pending {
    rte_mbuf* mbufs[kBurstSize];
    uint32_t slots[kBurstSize];  // ENI counter slot per mbuf; kNoCounterSlot: none (uplink)
    uint32_t bytes[kBurstSize];  // its length: after tx the PMD owns the mbuf
    TrafficClass classes[kBurstSize];  // how it is metered for its ENI (kNone: not)
    uint16_t count = 0;
  };
  struct Outbox {
    rte_mbuf* mbufs[kBurstSize];
    uint16_t count = 0;
  };

  unsigned id_;
  Io io_;
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
  PipelineContext ctx_;
  const Snapshot* synced_ = nullptr;  // the snapshot sync_zones last applied
  std::atomic<ListingRequest*> listing_{nullptr};
  std::atomic<bool> running_{true};
  uint32_t loops_ = 0;
  std::vector<Outbox> outbox_;  // per owner worker
  Outbox metadata_out_;         // requests for the metadata service
  RouterAdvertPolicy adverts_;
  uint64_t next_advert_ = 0;    // when the next round starts (0: not scheduled yet)
  uint32_t advert_cursor_ = 0;  // the next ENI of the round under way
  bool advert_round_ = false;
  uint32_t advert_random_ = 0x9e3779b9u;
  SpareFrames spares_;          // lent to each burst (overlay fragments)
  rte_mbuf* spare_mbufs_[kSpareFrames] = {};
  RouteResults routes_;         // the pipeline's, read for fragments it holds
  std::unique_ptr<Burst> judge_ = std::make_unique<Burst>();  // a short first fragment's header, judged
  RouteResults judge_routes_;
};

using Worker = BasicWorker<EthIo>;
extern template class BasicWorker<EthIo>;

}  // namespace vfpath
