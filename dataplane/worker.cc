#include "dataplane/worker.h"

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <thread>

#include "dataplane/burst.h"
#include "dataplane/net_headers.h"
#include "dataplane/overlay_snapshot.h"
#include "dataplane/pipeline.h"

namespace vfpath {
namespace {

void mbuf_to_frame(rte_mbuf* m, Frame& f) {
  f.data = rte_pktmbuf_mtod(m, uint8_t*);
  f.len = m->data_len;
  f.headroom = rte_pktmbuf_headroom(m);
  f.tailroom = rte_pktmbuf_tailroom(m);
  f.frame_len = m->pkt_len;
}

// Applies what the stages did to the frame's window back onto the mbuf.
void frame_to_mbuf(const Frame& f, rte_mbuf* m) {
  m->data_off = static_cast<uint16_t>(f.data - static_cast<uint8_t*>(m->buf_addr));
  m->data_len = f.len;
  if (f.frame_len == f.len && m->nb_segs > 1) {  // a reply replaced a chained frame
    rte_pktmbuf_free(m->next);
    m->next = nullptr;
    m->nb_segs = 1;
  }
  m->pkt_len = f.frame_len;
}

// Aging: wheel slots or entries visited per loop (conntrack/flow_table.h).
constexpr uint32_t kAgingBudget = 64;
// Connection gauges are refreshed every this many loops (cheap, not per packet).
constexpr uint32_t kGaugeLoops = 4096;
// Index slots a listing request visits per loop: ~10-20 µs, so a listing of
// a full table never stalls the worker noticeably.
constexpr uint32_t kListingSlots = 4096;

}  // namespace

HandoffRings::HandoffRings(unsigned workers, unsigned size) : workers_(workers), rings_(workers * workers, nullptr) {
  static unsigned instance = 0;
  ++instance;
  for (unsigned from = 0; from < workers; ++from)
    for (unsigned to = 0; to < workers; ++to) {
      if (from == to) continue;
      std::string name = "vfh" + std::to_string(instance) + "_" + std::to_string(from) + "_" + std::to_string(to);
      rte_ring* r = rte_ring_create(name.c_str(), size, static_cast<int>(rte_socket_id()), RING_F_SP_ENQ | RING_F_SC_DEQ);
      if (!r) {
        this->~HandoffRings();
        throw std::runtime_error("cannot create handoff ring " + name + ": " + rte_strerror(rte_errno));
      }
      rings_[from * workers + to] = r;
    }
}

HandoffRings::~HandoffRings() {
  for (rte_ring* r : rings_) {
    if (!r) continue;
    rte_mbuf* m;
    while (rte_ring_sc_dequeue(r, reinterpret_cast<void**>(&m)) == 0) rte_pktmbuf_free(m);
    rte_ring_free(r);
  }
  rings_.assign(rings_.size(), nullptr);
}

WorkerTables WorkerTables::create(uint32_t capacity, unsigned workers, ct::SharedZoneCount* zone_counts) {
  WorkerTables t;
  const uint32_t share = (capacity + workers - 1) / workers;
  t.flows = ct::FlowTable::create({.capacity = share, .zones = static_cast<uint16_t>(kMaxEnis),
                                   .ticks_per_second = rte_get_tsc_hz()});
  // Fragments: a first-fragment record per 64 connections, at least 1024.
  t.fragments = ct::FragmentTable::create(std::max(1024u, share / 64 / ct::FragmentTable::kWays), rte_get_tsc_hz());
  if (!t.flows || !t.fragments)
    throw std::runtime_error("cannot allocate a connection table of " + std::to_string(share) + " connections");
  t.flows->share_zone_counts(zone_counts);
  return t;
}

Worker::Worker(unsigned id, SnapshotPublisher& publisher, LcoreCounters& counters,
               std::vector<RxQueue> rx, uint16_t tx_queue, IdlePolicy idle, WorkerTables tables,
               const HandoffRings& handoff)
    : id_(id), publisher_(publisher), counters_(counters), rx_(std::move(rx)),
      tx_queue_(tx_queue), idle_(idle), pending_(kMaxPorts), burst_(std::make_unique<Burst>()),
      tables_(std::move(tables)), handoff_(handoff), outbox_(handoff.workers()) {
  ctx_.flows = tables_.flows.get();
  ctx_.fragments = tables_.fragments.get();
  ctx_.worker = id;
  ctx_.workers = handoff.workers();
}

void Worker::sync_zones(const Snapshot& s) {
  for (const EniEntry& e : s.enis) {
    // The allowance is the ENI's across all workers: the tables share the
    // per-zone counts (WorkerTables::create).
    tables_.flows->set_zone(static_cast<uint16_t>(e.counter_slot), e.conntrack);
  }
  synced_ = &s;
}

void Worker::publish_connections(const Snapshot& s) {
  for (const EniEntry& e : s.enis)
    counters_.enis[e.counter_slot].connections.set(tables_.flows->zone_count(static_cast<uint16_t>(e.counter_slot)));
}

void Worker::run(const std::atomic<bool>& stop) {
  publisher_.register_worker(id_);
  publisher_.online(id_);
  uint32_t empty_polls = 0, sleep_us = 1;
  while (!stop.load(std::memory_order_relaxed)) {
    const Snapshot* s = publisher_.current();
    if (s != synced_) sync_zones(*s);
    uint32_t received = 0;
    for (RxQueue q : rx_) received += poll(*s, q);
    if (ctx_.workers > 1) received += drain_handoffs(*s);
    tables_.flows->age(rte_rdtsc(), kAgingBudget);
    if (ListingRequest* r = listing_.load(std::memory_order_acquire)) {
      r->worker = static_cast<uint16_t>(id_);
      serve_listing_slice(*tables_.flows, *r, rte_rdtsc(), kListingSlots);
      if (r->done.load(std::memory_order_relaxed)) listing_.store(nullptr, std::memory_order_relaxed);
    }
    if (++loops_ % kGaugeLoops == 0) publish_connections(*s);
    publisher_.quiescent(id_);  // s is not used past this point

    if (received != 0 || idle_.max_sleep_us == 0) {
      empty_polls = 0;
      sleep_us = 1;
    } else if (++empty_polls > idle_.spin_loops) {
      publisher_.offline(id_);
      std::this_thread::sleep_for(std::chrono::microseconds(sleep_us));
      publisher_.online(id_);
      sleep_us = std::min(sleep_us * 2, idle_.max_sleep_us);
    }
  }
  publisher_.offline(id_);
  publisher_.unregister_worker(id_);
  running_.store(false, std::memory_order_release);
  for (rte_mbuf*& m : spares_) {
    rte_pktmbuf_free(m);  // null-safe
    m = nullptr;
  }
}

uint16_t Worker::poll(const Snapshot& s, RxQueue q) {
  rte_mbuf* mbufs[kBurstSize];
  uint16_t n = rte_eth_rx_burst(q.port, q.queue, mbufs, kBurstSize);
  if (n == 0) return 0;
  process(s, mbufs, n, q.port, true);
  return n;
}

uint16_t Worker::drain_handoffs(const Snapshot& s) {
  uint16_t total = 0;
  for (unsigned from = 0; from < ctx_.workers; ++from) {
    if (from == id_) continue;
    rte_mbuf* mbufs[kBurstSize];
    const unsigned n = rte_ring_sc_dequeue_burst(handoff_.ring(from, id_), reinterpret_cast<void**>(mbufs), kBurstSize, nullptr);
    // A burst holds frames of one input port: process runs of equal ports.
    for (unsigned start = 0, end; start < n; start = end) {
      for (end = start + 1; end < n && mbufs[end]->port == mbufs[start]->port;) ++end;
      process(s, mbufs + start, static_cast<uint16_t>(end - start), mbufs[start]->port, false);
    }
    total = static_cast<uint16_t>(total + n);
  }
  return total;
}

void Worker::process(const Snapshot& s, rte_mbuf** mbufs, uint16_t n, uint16_t port, bool from_port) {
  Burst& b = *burst_;
  b.count = n;
  b.in_port = port;
  uint32_t lengths[kBurstSize];
  uint64_t bytes = 0;
  for (uint16_t i = 0; i < n; ++i) {
    mbuf_to_frame(mbufs[i], b.frames[i]);
    b.verdict[i] = Verdict{};
    lengths[i] = mbufs[i]->pkt_len;
    bytes += lengths[i];
  }
  if (from_port) {  // a handed-over frame was counted by the worker that received it
    PortCounters& pc = counters_.ports[port];
    pc.rx_packets.add(n);
    pc.rx_bytes.add(bytes);
  }
  ctx_.now = rte_rdtsc();
  lend_spares(s, b, mbufs[0]->pool);
  run_pipeline(b, s, ctx_);
  count_verdicts(s, b, lengths);
  for (uint16_t i = 0; i < n; ++i) queue_or_free(s, mbufs[i], b, i);
  queue_spares(s, b);
  flush_all();  // per rx burst: bounds dirty_ (a port enters it at most twice)
  if (ctx_.workers > 1) flush_handoffs();
}

void Worker::flush_handoffs() {
  for (unsigned to = 0; to < ctx_.workers; ++to) {
    Outbox& o = outbox_[to];
    if (o.count == 0) continue;
    const unsigned sent = rte_ring_sp_enqueue_burst(handoff_.ring(id_, to), reinterpret_cast<void**>(o.mbufs), o.count, nullptr);
    for (unsigned i = sent; i < o.count; ++i) {
      counters_.drops[static_cast<size_t>(DropReason::kHandoffFull)].add(1);
      rte_pktmbuf_free(o.mbufs[i]);
    }
    o.count = 0;
  }
}

void Worker::count_verdicts(const Snapshot& s, const Burst& b, const uint32_t* lengths) {
  // Per-ENI rx counters, run-length: a burst usually comes from one ENI (a VF),
  // so this is one pair of adds per burst rather than per packet.
  uint16_t run_eni = kNoEni;
  uint64_t run_packets = 0, run_bytes = 0;
  auto close_run = [&] {
    if (run_packets == 0) return;
    EniCounters& e = counters_.enis[s.enis[run_eni].counter_slot];
    e.rx_packets.add(run_packets);
    e.rx_bytes.add(run_bytes);
  };
  for (uint16_t i = 0; i < b.count; ++i) {
    const Verdict& v = b.verdict[i];
    if (v.action == Action::kHandoff) continue;  // the owner counts it
    const bool has_eni = v.in_eni < s.enis.size();
    if (has_eni) {
      if (v.in_eni != run_eni) {
        close_run();
        run_eni = v.in_eni;
        run_packets = run_bytes = 0;
      }
      ++run_packets;
      run_bytes += lengths[i];
    }
    for (uint32_t hit : v.nacl_hit)
      if (hit) counters_.nacl_hits[hit - 1].add(1);
    if (v.drop != DropReason::kNone) {
      counters_.drops[static_cast<size_t>(v.drop)].add(1);
      // The sending ENI's; from the overlay (no sender here), the ENI it was for.
      const uint16_t charged = has_eni ? v.in_eni : v.out_eni;
      if (charged < s.enis.size())
        counters_.enis[s.enis[charged].counter_slot].drops[static_cast<size_t>(v.drop)].add(1);
    }
  }
  close_run();
}

void Worker::queue_or_free(const Snapshot& s, rte_mbuf* m, const Burst& b, uint16_t i) {
  const Verdict& v = b.verdict[i];
  if (v.action == Action::kHandoff) {  // untouched: the owner runs the pipeline on it
    Outbox& o = outbox_[v.owner];
    o.mbufs[o.count++] = m;  // at most one burst per process(): flushed after it
    return;
  }
  if (v.action != Action::kForward && v.action != Action::kReply) {
    rte_pktmbuf_free(m);
    return;
  }
  frame_to_mbuf(b.frames[i], m);
  if (v.out_eni == kUplinkEni) return queue_to_uplink(s, m, v.action == Action::kForward);
  const EniEntry& out = s.enis[v.out_eni];
  queue(out.port, m, out.counter_slot);
}

void Worker::queue(uint16_t port, rte_mbuf* m, uint32_t slot) {
  Pending& p = pending_[port];
  if (p.count == 0) dirty_[dirty_count_++] = port;
  p.mbufs[p.count] = m;
  p.slots[p.count] = slot;
  p.bytes[p.count] = m->pkt_len;
  if (++p.count == kBurstSize) flush(port);
}

// Encapsulated frames count on the uplink port only: per-ENI tx means
// "delivered to the VM", and the sender already counted them as its rx.
// `encapsulated`: a tunnel packet (not an ARP/ND answer of the underlay side).
void Worker::queue_to_uplink(const Snapshot& s, rte_mbuf* m, bool encapsulated) {
  const OverlaySnapshot& o = *s.overlay;
  if (encapsulated && o.udp_checksum == encap::UdpChecksumMode::kOffload) {
    // The template stored the pseudo-header sum; the NIC finishes it.
    const bool v6 = rte_pktmbuf_mtod(m, const wire::EthernetHeader*)->ether_type.host() == wire::kEtherTypeIpv6;
    m->l2_len = sizeof(wire::EthernetHeader);
    m->l3_len = v6 ? sizeof(wire::Ipv6Header) : sizeof(wire::Ipv4Header);
    m->ol_flags |= (v6 ? RTE_MBUF_F_TX_IPV6 : RTE_MBUF_F_TX_IPV4) | RTE_MBUF_F_TX_UDP_CKSUM;
  }
  queue(o.uplink_port, m, kNoCounterSlot);
}

void Worker::lend_spares(const Snapshot& s, Burst& b, rte_mempool* pool) {
  b.spare_used = 0;
  if (!s.overlay) {
    b.spare_count = 0;
    return;
  }
  // Refill what the last burst sent; a short pool only lends fewer.
  uint16_t have = 0;
  for (uint16_t j = 0; j < kSpareFrames; ++j) {
    if (!spares_[j]) spares_[j] = rte_pktmbuf_alloc(pool);
    if (!spares_[j]) break;
    rte_mbuf* m = spares_[j];
    b.spare[j] = Frame{rte_pktmbuf_mtod(m, uint8_t*), 0, rte_pktmbuf_headroom(m), rte_pktmbuf_tailroom(m), 0};
    b.spare_out[j] = kNoEni;
    ++have;
  }
  b.spare_count = have;
}

void Worker::queue_spares(const Snapshot& s, const Burst& b) {
  for (uint16_t j = 0; j < b.spare_used; ++j) {
    if (b.spare_out[j] != kUplinkEni) continue;  // filled, then dropped: stays a spare
    rte_mbuf* m = spares_[j];
    spares_[j] = nullptr;
    frame_to_mbuf(b.spare[j], m);
    queue_to_uplink(s, m, true);
  }
}

void Worker::flush(uint16_t port) {
  Pending& p = pending_[port];
  if (p.count == 0) return;
  uint16_t sent = rte_eth_tx_burst(port, tx_queue_, p.mbufs, p.count);
  uint64_t bytes = 0;
  // Per-ENI tx counters, run-length over the sent frames (usually one ENI).
  uint32_t run_slot = p.count ? p.slots[0] : 0;
  uint64_t run_packets = 0, run_bytes = 0;
  auto close_run = [&] {
    if (run_packets == 0 || run_slot == kNoCounterSlot) return;
    counters_.enis[run_slot].tx_packets.add(run_packets);
    counters_.enis[run_slot].tx_bytes.add(run_bytes);
  };
  for (uint16_t i = 0; i < sent; ++i) {
    if (p.slots[i] != run_slot) {
      close_run();
      run_slot = p.slots[i];
      run_packets = run_bytes = 0;
    }
    ++run_packets;
    run_bytes += p.bytes[i];
    bytes += p.bytes[i];
  }
  close_run();
  for (uint16_t i = sent; i < p.count; ++i) {
    if (p.slots[i] != kNoCounterSlot)
      counters_.enis[p.slots[i]].drops[static_cast<size_t>(DropReason::kTxFull)].add(1);
    counters_.drops[static_cast<size_t>(DropReason::kTxFull)].add(1);
    rte_pktmbuf_free(p.mbufs[i]);
  }
  PortCounters& pc = counters_.ports[port];
  pc.tx_packets.add(sent);
  pc.tx_bytes.add(bytes);
  p.count = 0;
}

void Worker::flush_all() {
  for (uint16_t i = 0; i < dirty_count_; ++i) flush(dirty_[i]);
  dirty_count_ = 0;
}

}  // namespace vfpath
