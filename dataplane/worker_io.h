// The worker's I/O seam: everything the poll loop does to ports, handoff
// rings, buffers and the clock goes through an Io type given as a template
// parameter (no virtual call per packet). EthIo is the DPDK one; unit tests
// give the loop fake ports and rings over plain-memory mbufs
// (tests/dataplane/worker_test.cc).
#pragma once

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <concepts>
#include <cstdint>

#include "dataplane/handoff_rings.h"
#include "dataplane/metadata_rings.h"

namespace vfpath {

// rx_burst/tx_burst: rte_eth_{rx,tx}_burst's contract (tx takes ownership of
// the first `returned` frames). handoff_enqueue/dequeue: the SPSC ring from
// worker `from` to worker `to` (enqueue takes ownership of the first
// `returned`). alloc: an empty single-segment mbuf of `pool`, or null.
// free: the mbuf and the segments chained behind it. now: the clock the
// worker's tables were created with (WorkerTables::create).
// alloc_tx: an empty mbuf for frames the worker makes itself (router
// advertisements), or null.
// metadata_running: the instance metadata service takes requests;
// metadata_enqueue: its request queue (any worker; takes ownership of the
// first `returned`); metadata_dequeue: its replies (worker 0 only).
template <class Io>
concept WorkerIo = requires(Io& io, uint16_t u16, unsigned u, rte_mbuf** burst, rte_mbuf* one, rte_mempool* pool) {
  { io.rx_burst(u16, u16, burst, u16) } -> std::same_as<uint16_t>;
  { io.tx_burst(u16, u16, burst, u16) } -> std::same_as<uint16_t>;
  { io.handoff_enqueue(u, u, burst, u) } -> std::same_as<unsigned>;
  { io.handoff_dequeue(u, u, burst, u) } -> std::same_as<unsigned>;
  { io.alloc(pool) } -> std::same_as<rte_mbuf*>;
  { io.alloc_tx() } -> std::same_as<rte_mbuf*>;
  io.free(one);
  { io.now() } -> std::same_as<uint64_t>;
  { io.metadata_running() } -> std::same_as<bool>;
  { io.metadata_enqueue(burst, u) } -> std::same_as<unsigned>;
  { io.metadata_dequeue(burst, u) } -> std::same_as<unsigned>;
};

// DPDK ethdevs and rte_ring handoff rings (null: a single worker); the
// metadata service's rings (null: no service).
struct EthIo {
  const HandoffRings* rings = nullptr;
  const MetadataRings* metadata = nullptr;
  rte_mempool* tx_pool = nullptr;  // alloc_tx's (null: none)

  uint16_t rx_burst(uint16_t port, uint16_t queue, rte_mbuf** m, uint16_t n) {
    return rte_eth_rx_burst(port, queue, m, n);
  }
  uint16_t tx_burst(uint16_t port, uint16_t queue, rte_mbuf** m, uint16_t n) {
    return rte_eth_tx_burst(port, queue, m, n);
  }
  unsigned handoff_enqueue(unsigned from, unsigned to, rte_mbuf** m, unsigned n) {
    return rte_ring_sp_enqueue_burst(rings->ring(from, to), reinterpret_cast<void**>(m), n, nullptr);
  }
  unsigned handoff_dequeue(unsigned from, unsigned to, rte_mbuf** m, unsigned n) {
    return rte_ring_sc_dequeue_burst(rings->ring(from, to), reinterpret_cast<void**>(m), n, nullptr);
  }
  rte_mbuf* alloc(rte_mempool* pool) { return rte_pktmbuf_alloc(pool); }
  rte_mbuf* alloc_tx() { return tx_pool ? rte_pktmbuf_alloc(tx_pool) : nullptr; }
  void free(rte_mbuf* m) { rte_pktmbuf_free(m); }
  uint64_t now() { return rte_rdtsc(); }
  bool metadata_running() const { return metadata != nullptr; }
  unsigned metadata_enqueue(rte_mbuf** m, unsigned n) {
    return rte_ring_mp_enqueue_burst(metadata->requests(), reinterpret_cast<void**>(m), n, nullptr);
  }
  unsigned metadata_dequeue(rte_mbuf** m, unsigned n) {
    return rte_ring_sc_dequeue_burst(metadata->replies(), reinterpret_cast<void**>(m), n, nullptr);
  }
};
static_assert(WorkerIo<EthIo>);

}  // namespace vfpath
