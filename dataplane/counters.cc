#include "dataplane/counters.h"

namespace vfpath {

CounterSet::CounterSet(unsigned lcores) {
  for (unsigned i = 0; i < lcores; ++i) per_lcore_.push_back(std::make_unique<LcoreCounters>());
}

std::array<uint64_t, kDropReasonCount> CounterSet::drops() const {
  std::array<uint64_t, kDropReasonCount> out{};
  for (const auto& c : per_lcore_)
    for (std::size_t r = 0; r < kDropReasonCount; ++r) out[r] += c->drops[r].get();
  return out;
}

PortTotals CounterSet::port(uint16_t port) const {
  PortTotals t;
  if (port >= kMaxPorts) return t;
  for (const auto& c : per_lcore_) {
    const PortCounters& p = c->ports[port];
    t.rx_packets += p.rx_packets.get();
    t.rx_bytes += p.rx_bytes.get();
    t.tx_packets += p.tx_packets.get();
    t.tx_bytes += p.tx_bytes.get();
  }
  return t;
}

EniTotals CounterSet::eni(uint32_t slot) const {
  EniTotals t;
  if (slot >= kMaxEnis) return t;
  for (const auto& c : per_lcore_) {
    const EniCounters& e = c->enis[slot];
    t.rx_packets += e.rx_packets.get();
    t.rx_bytes += e.rx_bytes.get();
    t.tx_packets += e.tx_packets.get();
    t.tx_bytes += e.tx_bytes.get();
    for (std::size_t r = 0; r < kDropReasonCount; ++r) t.drops[r] += e.drops[r].get();
    t.connections += e.connections.get();
    for (std::size_t k = 0; k < kTrafficClasses; ++k) {
      t.classes[k].out_packets += e.out_packets[k].get();
      t.classes[k].out_bytes += e.out_bytes[k].get();
      t.classes[k].in_packets += e.in_packets[k].get();
      t.classes[k].in_bytes += e.in_bytes[k].get();
    }
  }
  return t;
}

uint64_t CounterSet::nacl_hits(uint32_t slot) const {
  uint64_t n = 0;
  if (slot < kMaxNaclHitSlots)
    for (const auto& c : per_lcore_) n += c->nacl_hits[slot].get();
  return n;
}

}  // namespace vfpath
