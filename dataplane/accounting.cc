#include "dataplane/accounting.h"

namespace vfpath {
namespace {

inline Counter& drops(LcoreCounters& c, DropReason r) { return c.drops[static_cast<size_t>(r)]; }
inline Counter& drops(EniCounters& e, DropReason r) { return e.drops[static_cast<size_t>(r)]; }

}  // namespace

void account_port_rx(LcoreCounters& c, uint16_t port, uint16_t packets, uint64_t bytes) {
  PortCounters& pc = c.ports[port];
  pc.rx_packets.add(packets);
  pc.rx_bytes.add(bytes);
}

void account_verdicts(LcoreCounters& c, std::span<const EniEntry> enis, const Verdict* v,
                      const uint32_t* lengths, uint16_t n) {
  // Per-ENI rx, run-length: a burst usually comes from one ENI (a VF), so
  // this is one pair of adds per burst rather than per packet.
  // Metering likewise, run-length by class within the ENI's run (a burst
  // usually goes one way): scalars, no per-packet store.
  uint16_t run_eni = kNoEni;
  uint64_t run_packets = 0, run_bytes = 0;
  TrafficClass run_class = TrafficClass::kNone;
  uint64_t class_packets = 0, class_bytes = 0;
  auto close_class = [&] {
    if (class_packets && run_class != TrafficClass::kNone) {
      EniCounters& e = c.enis[enis[run_eni].counter_slot];
      e.out_packets[static_cast<std::size_t>(run_class)].add(class_packets);
      e.out_bytes[static_cast<std::size_t>(run_class)].add(class_bytes);
    }
    class_packets = class_bytes = 0;
  };
  auto close_run = [&] {
    close_class();
    if (run_packets == 0) return;
    EniCounters& e = c.enis[enis[run_eni].counter_slot];
    e.rx_packets.add(run_packets);
    e.rx_bytes.add(run_bytes);
  };
  for (uint16_t i = 0; i < n; ++i) {
    if (v[i].action == Action::kHandoff || v[i].action == Action::kHold) continue;  // counted when decided
    const bool has_eni = v[i].in_eni < enis.size();
    if (has_eni) {
      if (v[i].in_eni != run_eni) {
        close_run();
        run_eni = v[i].in_eni;
        run_packets = run_bytes = 0;
      }
      ++run_packets;
      run_bytes += lengths[i];
      const TrafficClass k = v[i].action == Action::kForward ? destination_class(v[i].out_eni, enis.size()) : TrafficClass::kNone;
      if (k != run_class) {
        close_class();
        run_class = k;
      }
      ++class_packets;
      class_bytes += lengths[i];
    }
    for (uint32_t hit : v[i].nacl_hit)
      if (hit) c.nacl_hits[hit - 1].add(1);
    if (v[i].drop != DropReason::kNone) {
      drops(c, v[i].drop).add(1);
      const uint16_t charged = has_eni && !v[i].charge_receiver ? v[i].in_eni : v[i].out_eni;
      if (charged < enis.size()) drops(c.enis[enis[charged].counter_slot], v[i].drop).add(1);
    }
  }
  close_run();
}

void account_tx(LcoreCounters& c, uint16_t port, const uint32_t* slots, const uint32_t* bytes, uint16_t count,
                uint16_t sent, const TrafficClass* classes) {
  uint64_t port_bytes = 0;
  // Per-ENI tx, run-length over the sent frames (usually one ENI).
  uint32_t run_slot = count ? slots[0] : kNoCounterSlot;
  uint64_t run_packets = 0, run_bytes = 0;
  TrafficClass run_class = TrafficClass::kNone;  // metering, run-length within the slot's run
  uint64_t class_packets = 0, class_bytes = 0;
  auto close_class = [&] {
    if (class_packets && run_class != TrafficClass::kNone && run_slot != kNoCounterSlot) {
      EniCounters& e = c.enis[run_slot];
      e.in_packets[static_cast<std::size_t>(run_class)].add(class_packets);
      e.in_bytes[static_cast<std::size_t>(run_class)].add(class_bytes);
    }
    class_packets = class_bytes = 0;
  };
  auto close_run = [&] {
    close_class();
    if (run_packets == 0 || run_slot == kNoCounterSlot) return;
    c.enis[run_slot].tx_packets.add(run_packets);
    c.enis[run_slot].tx_bytes.add(run_bytes);
  };
  for (uint16_t i = 0; i < sent; ++i) {
    if (slots[i] != run_slot) {
      close_run();
      run_slot = slots[i];
      run_packets = run_bytes = 0;
    }
    ++run_packets;
    run_bytes += bytes[i];
    port_bytes += bytes[i];
    const TrafficClass k = classes ? classes[i] : TrafficClass::kNone;
    if (k != run_class) {
      close_class();
      run_class = k;
    }
    ++class_packets;
    class_bytes += bytes[i];
  }
  close_run();
  for (uint16_t i = sent; i < count; ++i) {
    if (slots[i] != kNoCounterSlot) drops(c.enis[slots[i]], DropReason::kTxFull).add(1);
    drops(c, DropReason::kTxFull).add(1);
  }
  PortCounters& pc = c.ports[port];
  pc.tx_packets.add(sent);
  pc.tx_bytes.add(port_bytes);
}

void account_drops(LcoreCounters& c, DropReason r, unsigned n) {
  if (n) drops(c, r).add(n);
}

void account_handoff_full(LcoreCounters& c, unsigned refused) {
  if (refused) drops(c, DropReason::kHandoffFull).add(refused);
}

}  // namespace vfpath
