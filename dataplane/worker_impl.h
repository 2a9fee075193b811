// BasicWorker's definitions (worker.h). Included by worker.cc, which
// instantiates the DPDK Worker, and by tests that instantiate their own Io.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>
#include <utility>

#include "dataplane/mbuf_frame.h"
#include "dataplane/metadata_reply.h"
#include "packet/checksum.h"
#include "dataplane/worker.h"

namespace vfpath {
namespace worker_detail {

// Aging: wheel slots or entries visited per loop (conntrack/flow_table.h).
constexpr uint32_t kAgingBudget = 64;
// Connection gauges are refreshed every this many loops (cheap, not per packet).
constexpr uint32_t kGaugeLoops = 4096;
// Index slots a listing request visits per loop: ~10-20 µs, so a listing of
// a full table never stalls the worker noticeably.
constexpr uint32_t kListingSlots = 4096;

}  // namespace worker_detail

template <WorkerIo Io>
BasicWorker<Io>::BasicWorker(unsigned id, unsigned workers, Io io, SnapshotPublisher& publisher,
                             LcoreCounters& counters, std::vector<RxQueue> rx, uint16_t tx_queue, IdlePolicy idle,
                             WorkerTables tables, RouterAdvertPolicy adverts)
    : id_(id), io_(io), publisher_(publisher), counters_(counters), rx_(std::move(rx)), tx_queue_(tx_queue),
      idle_(idle), pending_(kMaxPorts), burst_(std::make_unique<Burst>()), tables_(std::move(tables)),
      outbox_(workers), adverts_(adverts) {
  ctx_.flows = tables_.flows.get();
  ctx_.fragments = tables_.fragments.get();
  ctx_.worker = id;
  ctx_.workers = workers;
  ctx_.hold_early_fragments = tables_.held != nullptr;
  ctx_.ids = tables_.ids.get();
  ctx_.ids_scratch = id;
  ctx_.allowance = AllowanceState{tables_.buckets, tables_.allowance_cache.get()};
  ctx_.ticks_per_us = std::max<uint64_t>(1, tables_.ticks_per_second / 1000000);
  ctx_.metadata_running = io_.metadata_running();
}

template <WorkerIo Io>
BasicWorker<Io>::~BasicWorker() {
  for (rte_mbuf*& m : spare_mbufs_)
    if (m) io_.free(std::exchange(m, nullptr));
  free_held();
}

template <WorkerIo Io>
void BasicWorker<Io>::free_held() {
  if (!tables_.held) return;
  HeldFragment f[kBurstSize];
  while (const uint32_t n = tables_.held->take_any(f, kBurstSize))
    for (uint32_t i = 0; i < n; ++i) io_.free(f[i].mbuf);
}

template <WorkerIo Io>
void BasicWorker<Io>::sync_zones(const Snapshot& s) {
  for (const EniEntry& e : s.enis) {
    // The allowance is the ENI's across all workers: the tables share the
    // per-zone counts (WorkerTables::create).
    tables_.flows->set_zone(static_cast<uint16_t>(e.counter_slot), e.conntrack);
  }
  synced_ = &s;
}

template <WorkerIo Io>
void BasicWorker<Io>::publish_connections(const Snapshot& s) {
  for (const EniEntry& e : s.enis)
    counters_.enis[e.counter_slot].connections.set(tables_.flows->zone_count(static_cast<uint16_t>(e.counter_slot)));
}

template <WorkerIo Io>
uint32_t BasicWorker<Io>::iterate() {
  const Snapshot* s = publisher_.current();
  if (s != synced_) sync_zones(*s);
  uint32_t received = 0;
  for (RxQueue q : rx_) received += poll(*s, q);
  if (ctx_.workers > 1) received += drain_handoffs(*s);
  if (id_ == 0 && ctx_.metadata_running) received += deliver_metadata_replies(*s);
  if (id_ == 0 && adverts_.max_interval_s) send_router_adverts(*s);
  tables_.flows->age(io_.now(), worker_detail::kAgingBudget);
  if (tables_.held && !tables_.held->empty()) expire_held(*s);
  if (ListingRequest* r = listing_.load(std::memory_order_acquire)) {
    r->worker = static_cast<uint16_t>(id_);
    serve_listing_slice(*tables_.flows, *r, io_.now(), worker_detail::kListingSlots);
    if (r->done.load(std::memory_order_relaxed)) listing_.store(nullptr, std::memory_order_relaxed);
  }
  if (++loops_ % worker_detail::kGaugeLoops == 0) publish_connections(*s);
  publisher_.quiescent(id_);  // s is not used past this point
  return received;
}

template <WorkerIo Io>
void BasicWorker<Io>::run(const std::atomic<bool>& stop) {
  publisher_.register_worker(id_);
  publisher_.online(id_);
  uint32_t empty_polls = 0, sleep_us = 1;
  while (!stop.load(std::memory_order_relaxed)) {
    if (iterate() != 0 || idle_.max_sleep_us == 0) {
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
  // The pool the spares and held fragments came from may go once run() returns.
  for (rte_mbuf*& m : spare_mbufs_)
    if (m) io_.free(std::exchange(m, nullptr));
  free_held();
  running_.store(false, std::memory_order_release);
}

template <WorkerIo Io>
uint16_t BasicWorker<Io>::poll(const Snapshot& s, RxQueue q) {
  rte_mbuf* mbufs[kBurstSize];
  const uint16_t n = io_.rx_burst(q.port, q.queue, mbufs, kBurstSize);
  if (n == 0) return 0;
  process(s, mbufs, n, q.port, true);
  return n;
}

template <WorkerIo Io>
uint16_t BasicWorker<Io>::drain_handoffs(const Snapshot& s) {
  uint16_t total = 0;
  for (unsigned from = 0; from < ctx_.workers; ++from) {
    if (from == id_) continue;
    rte_mbuf* mbufs[kBurstSize];
    const unsigned n = io_.handoff_dequeue(from, id_, mbufs, kBurstSize);
    // A burst holds frames of one input port: process runs of equal ports.
    for (unsigned start = 0, end; start < n; start = end) {
      for (end = start + 1; end < n && mbufs[end]->port == mbufs[start]->port;) ++end;
      process(s, mbufs + start, static_cast<uint16_t>(end - start), mbufs[start]->port, false);
    }
    total = static_cast<uint16_t>(total + n);
  }
  return total;
}

template <WorkerIo Io>
void BasicWorker<Io>::process(const Snapshot& s, rte_mbuf** mbufs, uint16_t n, uint16_t port, bool from_port) {
  Burst& b = *burst_;
  b.count = n;
  b.in_port = port;
  uint32_t lengths[kBurstSize];
  uint64_t bytes = 0;
  for (uint16_t i = 0; i < n; ++i) {
    b.frames[i] = frame_of(mbufs[i]);
    b.verdict[i] = Verdict{};
    lengths[i] = mbufs[i]->pkt_len;
    bytes += lengths[i];
  }
  if (from_port) account_port_rx(counters_, port, n, bytes);
  ctx_.now = io_.now();
  ctx_.handed_off = !from_port;
  lend_spares(s, mbufs[0]->pool);
  run_pipeline(b, s, ctx_, &spares_, &routes_);
  ctx_.handed_off = false;
  // Fragments held are counted when they are decided (resume_run).
  account_verdicts(counters_, s.enis, b.verdict, lengths, n);
  ct::FragmentKey firsts[kBurstSize];
  uint16_t first_count = 0;
  const bool holding = tables_.held && !tables_.held->empty();
  for (uint16_t i = 0; i < n; ++i) {
    if (b.verdict[i].action == Action::kHold) {
      if (hold(s, mbufs[i], b, i, lengths[i])) firsts[first_count++] = datagram_of(b.meta[i]);
      continue;
    }
    if (holding && b.meta[i].has(meta_flags::kFirstFragment)) firsts[first_count++] = datagram_of(b.meta[i]);
    queue_or_free(s, mbufs[i], b, i);
  }
  queue_spares(s);
  flush_all();  // per rx burst: bounds dirty_ (a port enters it at most twice)
  if (ctx_.workers > 1) flush_handoffs();
  if (metadata_out_.count) flush_metadata();
  // The burst is done with: its first fragments' followers may use it.
  if (first_count) resume_held(s, firsts, first_count);
}

template <WorkerIo Io>
bool BasicWorker<Io>::hold(const Snapshot& s, rte_mbuf* m, const Burst& b, uint16_t i, uint32_t rx_length) {
  const Verdict& v = b.verdict[i];
  const PacketMeta& meta = b.meta[i];
  HeldFragment f;
  f.meta = meta;
  f.mbuf = m;
  f.frame = b.frames[i];
  f.verdict = v;
  if (v.out_eni == kUplinkEni) f.peer = routes_.peer(i);
  f.peer_subnet = routes_.peer_subnet[i];
  f.in_port = b.in_port;
  f.rx_length = rx_length;
  const uint16_t charged = v.in_eni < s.enis.size() ? v.in_eni : v.out_eni;
  f.eni_slot = charged < s.enis.size() ? s.enis[charged].counter_slot : kMaxEnis;
  f.begin = meta.frag_offset;
  f.end = static_cast<uint16_t>(meta.frag_offset + (meta.l3_offset + meta.l3_length - meta.l4_offset));
  f.generation = s.generation;
  f.datagram = datagram_of(meta);
  const FragmentHold::Kept kept = tables_.held->keep(f, ctx_.now);
  if (kept == FragmentHold::Kept::kKept) return f.begin < kMaxTcpHeaderBytes && judge_short_first(s, f.datagram);
  drop_held(s, f, kept == FragmentHold::Kept::kOverlap ? DropReason::kFragmentOverlap : DropReason::kFragmentHoldFull);
  return false;
}

template <WorkerIo Io>
bool BasicWorker<Io>::judge_short_first(const Snapshot& s, const ct::FragmentKey& datagram) {
  const HeldFragment* piece[kHoldCapacity];
  const uint32_t n = tables_.held->pieces(datagram, piece, kHoldCapacity);
  const HeldFragment* first = nullptr;
  for (uint32_t k = 0; k < n; ++k)
    if (piece[k]->begin == 0 && piece[k]->meta.has(meta_flags::kShortFirstFragment)) first = piece[k];
  if (!first || first->judged_whole) return false;  // none, or judged already (a later piece)
  // The header's bytes, from the contiguous pieces (held pieces never
  // overlap: FragmentHold::keep refuses that).
  uint8_t header[kMaxTcpHeaderBytes];
  uint32_t have = 0, need = 20;
  for (bool grew = true; have < need && grew;) {
    grew = false;
    for (uint32_t k = 0; k < n && !grew; ++k) {
      const HeldFragment& p = *piece[k];
      if (p.begin != have || p.end <= have || p.meta.l4_offset >= p.frame.len) continue;
      const uint32_t take = std::min<uint32_t>({p.end, static_cast<uint32_t>(sizeof header),
                                                have + (p.frame.len - p.meta.l4_offset)}) - have;
      std::memcpy(header + have, p.frame.data + p.meta.l4_offset, take);
      have += take;
      grew = true;
      if (have > 12) need = std::max<uint32_t>(20, (header[12] >> 4) * 4u);
    }
  }
  if (have < need) return false;
  rte_mbuf* m = io_.alloc(first->mbuf->pool);
  if (!m) return false;
  // Ethernet and IPv4 headers of the short first fragment, then the whole
  // TCP header: a first fragment (MF) the pipeline can judge.
  Frame f = empty_frame_of(m);
  const uint16_t l3 = first->meta.l3_offset, l4 = first->meta.l4_offset;
  std::memcpy(f.data, first->frame.data, l4);
  std::memcpy(f.data + l4, header, need);
  f.set_length(static_cast<uint16_t>(l4 + need));
  uint8_t* ip = f.data + l3;
  const uint16_t total = static_cast<uint16_t>(l4 - l3 + need);
  ip[2] = static_cast<uint8_t>(total >> 8);
  ip[3] = static_cast<uint8_t>(total);
  ip[6] = 0x20;  // MF, offset 0
  ip[7] = 0;
  ip[8] = 64;    // its TTL was already counted down once by the route stage
  ipv4_header_checksum_set(ip, l4 - l3);
  Burst& j = *judge_;
  j.count = 1;
  j.in_port = first->in_port;
  j.frames[0] = f;
  j.verdict[0] = Verdict{};
  // A synthetic packet: its fragments spent their allowance tokens when
  // they arrived, the judge spends none.
  const AllowanceState allowance = ctx_.allowance;
  ctx_.allowance = AllowanceState{};
  run_pipeline(j, s, ctx_, nullptr, &judge_routes_);
  ctx_.allowance = allowance;
  io_.free(m);
  tables_.held->mark_judged(datagram);
  return true;
}

template <WorkerIo Io>
void BasicWorker<Io>::drop_held(const Snapshot& s, HeldFragment& f, DropReason r) {
  Verdict v = f.verdict;
  v.drop_with(r);
  if (f.generation != s.generation) {  // its indexes are another snapshot's
    v.in_eni = v.out_eni = kNoEni;
    v.nacl_hit[0] = v.nacl_hit[1] = 0;
  }
  account_verdicts(counters_, s.enis, &v, &f.rx_length, 1);
  io_.free(f.mbuf);
}

template <WorkerIo Io>
void BasicWorker<Io>::resume_held(const Snapshot& s, const ct::FragmentKey* datagrams, uint16_t n) {
  HeldFragment taken[kBurstSize];
  for (uint16_t d = 0; d < n; ++d) {
    while (const uint32_t got = tables_.held->take(datagrams[d], taken, kBurstSize)) {
      // Runs of one input port: a burst holds frames of one port.
      for (uint32_t start = 0, end; start < got; start = end) {
        for (end = start + 1; end < got && taken[end].in_port == taken[start].in_port;) ++end;
        resume_run(s, taken + start, static_cast<uint16_t>(end - start));
      }
    }
  }
}

template <WorkerIo Io>
void BasicWorker<Io>::resume_run(const Snapshot& s, HeldFragment* f, uint16_t n) {
  Burst& b = *burst_;
  rte_mbuf* mbufs[kBurstSize];
  uint32_t lengths[kBurstSize];
  uint16_t live = 0;
  bool judged[kBurstSize];
  for (uint16_t k = 0; k < n; ++k) {
    if (f[k].generation != s.generation) {  // its verdict's ENIs are another snapshot's
      drop_held(s, f[k], DropReason::kFragmentOrphan);
      continue;
    }
    b.frames[live] = f[k].frame;
    b.meta[live] = f[k].meta;
    b.verdict[live] = f[k].verdict;
    if (f[k].verdict.out_eni == kUplinkEni) routes_.peer(live) = f[k].peer;
    routes_.peer_subnet[live] = f[k].peer_subnet;
    mbufs[live] = f[k].mbuf;
    lengths[live] = f[k].rx_length;
    judged[live] = f[k].judged_whole;
    ++live;
  }
  if (live == 0) return;
  b.count = live;
  b.in_port = f[0].in_port;
  ctx_.now = io_.now();
  lend_spares(s, mbufs[0]->pool);
  resume_held_fragments(b, s, ctx_, routes_, &spares_, judged);
  account_verdicts(counters_, s.enis, b.verdict, lengths, live);
  for (uint16_t i = 0; i < live; ++i) queue_or_free(s, mbufs[i], b, i);
  queue_spares(s);
  flush_all();
}

template <WorkerIo Io>
void BasicWorker<Io>::expire_held(const Snapshot& s) {
  HeldFragment f[kBurstSize];
  const uint64_t now = io_.now();
  while (const uint32_t n = tables_.held->take_expired(now, f, kBurstSize))
    for (uint32_t i = 0; i < n; ++i) drop_held(s, f[i], DropReason::kFragmentTimeout);
}

template <WorkerIo Io>
void BasicWorker<Io>::flush_handoffs() {
  for (unsigned to = 0; to < ctx_.workers; ++to) {
    Outbox& o = outbox_[to];
    if (o.count == 0) continue;
    const unsigned sent = io_.handoff_enqueue(id_, to, o.mbufs, o.count);
    account_handoff_full(counters_, o.count - sent);
    for (unsigned i = sent; i < o.count; ++i) io_.free(o.mbufs[i]);
    o.count = 0;
  }
}

template <WorkerIo Io>
void BasicWorker<Io>::flush_metadata() {
  const unsigned sent = io_.metadata_enqueue(metadata_out_.mbufs, metadata_out_.count);
  account_drops(counters_, DropReason::kMetadataUnavailable, metadata_out_.count - sent);
  for (unsigned i = sent; i < metadata_out_.count; ++i) io_.free(metadata_out_.mbufs[i]);
  metadata_out_.count = 0;
}

template <WorkerIo Io>
uint16_t BasicWorker<Io>::deliver_metadata_replies(const Snapshot& s) {
  rte_mbuf* mbufs[kBurstSize];
  const unsigned n = io_.metadata_dequeue(mbufs, kBurstSize);
  for (unsigned i = 0; i < n; ++i) {
    Frame f = frame_of(mbufs[i]);
    MetadataDelivery to;
    const DropReason r = metadata_reply_frame(f, s, to);
    if (r != DropReason::kNone) {
      account_drops(counters_, r, 1);
      io_.free(mbufs[i]);
      continue;
    }
    if (rte_mbuf* cut = write_back(f, mbufs[i])) io_.free(cut);
    queue(to.port, mbufs[i], to.slot);
  }
  if (n) flush_all();
  return static_cast<uint16_t>(n);
}

template <WorkerIo Io>
void BasicWorker<Io>::send_router_adverts(const Snapshot& s) {
  constexpr uint32_t kAdvertsPerLoop = 16;
  const uint64_t now = io_.now();
  if (!advert_round_) {
    if (next_advert_ == 0) {  // the first round a second after start (RFC 4861: soon, then spread)
      next_advert_ = now + tables_.ticks_per_second;
      advert_random_ ^= static_cast<uint32_t>(now);  // appliances started together drift apart
      return;
    }
    if (now < next_advert_) return;
    advert_round_ = true;
    advert_cursor_ = 0;
  }
  uint32_t sent = 0;
  while (advert_cursor_ < s.enis.size() && sent < kAdvertsPerLoop) {
    const auto eni = static_cast<uint16_t>(advert_cursor_);
    rte_mbuf* m = io_.alloc_tx();
    if (!m) break;  // the pool is short: this ENI's turn again next loop
    ++advert_cursor_;
    Frame f = empty_frame_of(m);
    if (!write_unsolicited_advert(f, s, eni)) {
      io_.free(m);
      continue;
    }
    if (rte_mbuf* cut = write_back(f, m)) io_.free(cut);
    queue(s.enis[eni].port, m, s.enis[eni].counter_slot);
    ++sent;
  }
  if (sent) flush_all();
  if (advert_cursor_ < s.enis.size()) return;
  advert_round_ = false;
  advert_random_ ^= advert_random_ << 13;  // xorshift32
  advert_random_ ^= advert_random_ >> 17;
  advert_random_ ^= advert_random_ << 5;
  next_advert_ = next_advert_round(now, tables_.ticks_per_second, adverts_.max_interval_s, advert_random_);
}

template <WorkerIo Io>
void BasicWorker<Io>::queue_or_free(const Snapshot& s, rte_mbuf* m, const Burst& b, uint16_t i) {
  const Verdict& v = b.verdict[i];
  if (v.action == Action::kHandoff) {  // untouched: the owner runs the pipeline on it
    Outbox& o = outbox_[v.owner];
    o.mbufs[o.count++] = m;  // at most one burst per process(): flushed after it
    return;
  }
  if (v.action == Action::kToMetadata) {
    if (rte_mbuf* cut = write_back(b.frames[i], m)) io_.free(cut);
    metadata_out_.mbufs[metadata_out_.count++] = m;  // at most one burst per process(): flushed after it
    return;
  }
  if (v.action != Action::kForward && v.action != Action::kReply) {
    io_.free(m);
    return;
  }
  if (rte_mbuf* cut = write_back(b.frames[i], m)) io_.free(cut);
  if (v.out_eni == kUplinkEni) {
    // Encapsulated frames count on the uplink port only: per-ENI tx means
    // "delivered to the VM", and the sender already counted them as its rx.
    request_offload(m, v.tx_offload);
    return queue(s.overlay->uplink_port, m, kNoCounterSlot);
  }
  if (v.out_eni == kInternetEni) return queue(s.internet.port, m, kNoCounterSlot);  // counted on the gateway's port
  const EniEntry& out = s.enis[v.out_eni];
  queue(out.port, m, out.counter_slot,
        v.action == Action::kForward ? source_class(v.in_eni, s.enis.size()) : TrafficClass::kNone);
}

template <WorkerIo Io>
void BasicWorker<Io>::queue(uint16_t port, rte_mbuf* m, uint32_t slot, TrafficClass cls) {
  Pending& p = pending_[port];
  if (p.count == 0) dirty_[dirty_count_++] = port;
  p.mbufs[p.count] = m;
  p.slots[p.count] = slot;
  p.classes[p.count] = cls;
  p.bytes[p.count] = m->pkt_len;
  if (++p.count == kBurstSize) flush(port);
}

template <WorkerIo Io>
void BasicWorker<Io>::lend_spares(const Snapshot& s, rte_mempool* pool) {
  spares_.used = 0;
  if (!s.overlay) {
    spares_.count = 0;
    return;
  }
  // Refill what the last burst sent; a short pool only lends fewer.
  uint16_t have = 0;
  for (uint16_t j = 0; j < kSpareFrames; ++j) {
    if (!spare_mbufs_[j]) spare_mbufs_[j] = io_.alloc(pool);
    if (!spare_mbufs_[j]) break;
    spares_.frame[j] = empty_frame_of(spare_mbufs_[j]);
    spares_.out[j] = kNoEni;
    spares_.offload[j] = TxOffload::kNone;
    ++have;
  }
  spares_.count = have;
}

template <WorkerIo Io>
void BasicWorker<Io>::queue_spares(const Snapshot& s) {
  for (uint16_t j = 0; j < spares_.used; ++j) {
    if (spares_.out[j] != kUplinkEni) continue;  // filled, then dropped: stays a spare
    rte_mbuf* m = std::exchange(spare_mbufs_[j], nullptr);
    if (rte_mbuf* cut = write_back(spares_.frame[j], m)) io_.free(cut);
    request_offload(m, spares_.offload[j]);
    queue(s.overlay->uplink_port, m, kNoCounterSlot);
  }
}

template <WorkerIo Io>
void BasicWorker<Io>::flush(uint16_t port) {
  Pending& p = pending_[port];
  if (p.count == 0) return;
  const uint16_t sent = io_.tx_burst(port, tx_queue_, p.mbufs, p.count);
  account_tx(counters_, port, p.slots, p.bytes, p.count, sent, p.classes);
  for (uint16_t i = sent; i < p.count; ++i) io_.free(p.mbufs[i]);
  p.count = 0;
}

template <WorkerIo Io>
void BasicWorker<Io>::flush_all() {
  for (uint16_t i = 0; i < dirty_count_; ++i) flush(dirty_[i]);
  dirty_count_ = 0;
}

}  // namespace vfpath
