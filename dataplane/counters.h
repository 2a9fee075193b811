// Per-lcore counters: each worker writes only its own LcoreCounters (so no
// cache line is shared between writers), any thread reads and sums them.
// Sizes: ports and ENIs are preallocated (kMaxPorts, kMaxEnis) so nothing is
// allocated when an ENI appears.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/counter_totals.h"
#include "packet/drop_reason.h"
#include "dataplane/snapshot.h"

namespace vfpath {

// Single-writer counter. A relaxed load+store by the owner compiles to a plain
// add (no lock prefix); readers on other threads see a whole 64-bit value,
// possibly slightly stale, which is all a counter promises.
class Counter {
 public:
  void add(uint64_t n) { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  uint64_t get() const { return v_.load(std::memory_order_relaxed); }
  void set(uint64_t n) { v_.store(n, std::memory_order_relaxed); }  // gauges

 private:
  std::atomic<uint64_t> v_{0};
};

struct alignas(64) PortCounters {
  Counter rx_packets, rx_bytes, tx_packets, tx_bytes;
};

// Named from the VM's point of view: rx = sent by the VM (egress),
// tx = delivered to the VM (ingress).
struct alignas(64) EniCounters {
  Counter rx_packets, rx_bytes, tx_packets, tx_bytes;
  std::array<Counter, kDropReasonCount> drops;
  Counter connections;  // gauge: this lcore's tracked connections of the ENI (its zone)
  // Forwarded traffic by TrafficClass: sent by the VM, delivered to it.
  std::array<Counter, kTrafficClasses> out_packets, out_bytes, in_packets, in_bytes;
};

struct alignas(64) LcoreCounters {
  std::array<Counter, kDropReasonCount> drops;
  std::array<PortCounters, kMaxPorts> ports;
  std::array<EniCounters, kMaxEnis> enis;
  std::array<Counter, kMaxNaclHitSlots> nacl_hits;  // NaclTable::hit_base + userdata
};

class CounterSet {
 public:
  explicit CounterSet(unsigned lcores);
  LcoreCounters& lcore(unsigned i) { return *per_lcore_[i]; }
  unsigned lcores() const { return static_cast<unsigned>(per_lcore_.size()); }

  std::array<uint64_t, kDropReasonCount> drops() const;
  PortTotals port(uint16_t port) const;
  EniTotals eni(uint32_t slot) const;
  uint64_t nacl_hits(uint32_t slot) const;

 private:
  std::vector<std::unique_ptr<LcoreCounters>> per_lcore_;
};

}  // namespace vfpath
