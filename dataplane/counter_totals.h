// Counter sums as plain numbers: what readers get from CounterSet, and what a
// snapshot records as the baseline of a counter slot it reuses.
#pragma once

#include <array>
#include <cstdint>

#include "packet/drop_reason.h"

namespace vfpath {

struct PortTotals {
  uint64_t rx_packets = 0, rx_bytes = 0, tx_packets = 0, tx_bytes = 0;
};
// Metering classes of an ENI's forwarded traffic (the basis of a
// data-transfer bill): to or from an ENI on this appliance, over the
// overlay (another host), through the internet gateway.
enum class TrafficClass : uint8_t { kLocal = 0, kOverlay = 1, kInternet = 2, kNone = 0xff };
inline constexpr std::size_t kTrafficClasses = 3;
inline constexpr const char* kTrafficClassNames[kTrafficClasses] = {"local", "overlay", "internet"};

// Per class: sent by the VM (out) and delivered to it (in).
struct ClassTotals {
  uint64_t out_packets = 0, out_bytes = 0, in_packets = 0, in_bytes = 0;
};

struct EniTotals {
  uint64_t rx_packets = 0, rx_bytes = 0, tx_packets = 0, tx_bytes = 0;
  std::array<ClassTotals, kTrafficClasses> classes{};
  std::array<uint64_t, kDropReasonCount> drops{};
  uint64_t connections = 0;  // a gauge: not subtracted as a baseline
};

inline EniTotals operator-(EniTotals a, const EniTotals& b) {
  a.rx_packets -= b.rx_packets;
  a.rx_bytes -= b.rx_bytes;
  a.tx_packets -= b.tx_packets;
  a.tx_bytes -= b.tx_bytes;
  for (std::size_t r = 0; r < a.drops.size(); ++r) a.drops[r] -= b.drops[r];
  for (std::size_t k = 0; k < kTrafficClasses; ++k) {
    a.classes[k].out_packets -= b.classes[k].out_packets;
    a.classes[k].out_bytes -= b.classes[k].out_bytes;
    a.classes[k].in_packets -= b.classes[k].in_packets;
    a.classes[k].in_bytes -= b.classes[k].in_bytes;
  }
  return a;
}

}  // namespace vfpath
