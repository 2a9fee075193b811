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
struct EniTotals {
  uint64_t rx_packets = 0, rx_bytes = 0, tx_packets = 0, tx_bytes = 0;
  std::array<uint64_t, kDropReasonCount> drops{};
  uint64_t connections = 0;  // a gauge: not subtracted as a baseline
};

inline EniTotals operator-(EniTotals a, const EniTotals& b) {
  a.rx_packets -= b.rx_packets;
  a.rx_bytes -= b.rx_bytes;
  a.tx_packets -= b.tx_packets;
  a.tx_bytes -= b.tx_bytes;
  for (std::size_t r = 0; r < a.drops.size(); ++r) a.drops[r] -= b.drops[r];
  return a;
}

}  // namespace vfpath
