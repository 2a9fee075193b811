#include "dataplane/worker.h"

#include <rte_ethdev.h>

#include <algorithm>
#include <thread>

#include "dataplane/burst.h"
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

}  // namespace

Worker::Worker(unsigned id, SnapshotPublisher& publisher, LcoreCounters& counters,
               std::vector<RxQueue> rx, uint16_t tx_queue, IdlePolicy idle)
    : id_(id), publisher_(publisher), counters_(counters), rx_(std::move(rx)),
      tx_queue_(tx_queue), idle_(idle), pending_(kMaxPorts), burst_(std::make_unique<Burst>()) {}

void Worker::run(const std::atomic<bool>& stop) {
  publisher_.register_worker(id_);
  publisher_.online(id_);
  uint32_t empty_polls = 0, sleep_us = 1;
  while (!stop.load(std::memory_order_relaxed)) {
    const Snapshot* s = publisher_.current();
    uint32_t received = 0;
    for (RxQueue q : rx_) received += poll(*s, q);
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
}

uint16_t Worker::poll(const Snapshot& s, RxQueue q) {
  rte_mbuf* mbufs[kBurstSize];
  uint16_t n = rte_eth_rx_burst(q.port, q.queue, mbufs, kBurstSize);
  if (n == 0) return 0;
  Burst& b = *burst_;
  b.count = n;
  b.in_port = q.port;
  uint32_t lengths[kBurstSize];
  uint64_t bytes = 0;
  for (uint16_t i = 0; i < n; ++i) {
    mbuf_to_frame(mbufs[i], b.frames[i]);
    b.verdict[i] = Verdict{};
    lengths[i] = mbufs[i]->pkt_len;
    bytes += lengths[i];
  }
  PortCounters& pc = counters_.ports[q.port];
  pc.rx_packets.add(n);
  pc.rx_bytes.add(bytes);
  run_pipeline(b, s);
  count_verdicts(s, b, lengths);
  for (uint16_t i = 0; i < n; ++i) queue_or_free(s, mbufs[i], b, i);
  flush_all();  // per rx burst: bounds dirty_ (a port enters it at most twice)
  return n;
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
      if (has_eni) counters_.enis[s.enis[v.in_eni].counter_slot].drops[static_cast<size_t>(v.drop)].add(1);
    }
  }
  close_run();
}

void Worker::queue_or_free(const Snapshot& s, rte_mbuf* m, const Burst& b, uint16_t i) {
  const Verdict& v = b.verdict[i];
  if (v.action != Action::kForward && v.action != Action::kReply) {
    rte_pktmbuf_free(m);
    return;
  }
  frame_to_mbuf(b.frames[i], m);
  const EniEntry& out = s.enis[v.out_eni];
  Pending& p = pending_[out.port];
  if (p.count == 0) dirty_[dirty_count_++] = out.port;
  p.mbufs[p.count] = m;
  p.slots[p.count] = out.counter_slot;
  p.bytes[p.count] = m->pkt_len;
  if (++p.count == kBurstSize) flush(out.port);
}

void Worker::flush(uint16_t port) {
  Pending& p = pending_[port];
  if (p.count == 0) return;
  uint16_t sent = rte_eth_tx_burst(port, tx_queue_, p.mbufs, p.count);
  uint64_t bytes = 0;
  // Per-ENI tx counters, run-length over the sent frames (usually one ENI).
  uint32_t run_slot = p.count ? p.slots[0] : 0;
  uint64_t run_packets = 0, run_bytes = 0;
  for (uint16_t i = 0; i < sent; ++i) {
    if (p.slots[i] != run_slot) {
      counters_.enis[run_slot].tx_packets.add(run_packets);
      counters_.enis[run_slot].tx_bytes.add(run_bytes);
      run_slot = p.slots[i];
      run_packets = run_bytes = 0;
    }
    ++run_packets;
    run_bytes += p.bytes[i];
    bytes += p.bytes[i];
  }
  if (run_packets) {
    counters_.enis[run_slot].tx_packets.add(run_packets);
    counters_.enis[run_slot].tx_bytes.add(run_bytes);
  }
  for (uint16_t i = sent; i < p.count; ++i) {
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
