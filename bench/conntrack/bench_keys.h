// Keys for the conntrack benchmarks: N distinct IPv4 TCP connections spread
// over 64 zones, in a shuffled order so lookups touch the table at random.
#pragma once

#include <time.h>
#include <x86intrin.h>

#include <algorithm>
#include <random>
#include <vector>

#include "conntrack/flow_key.h"

namespace vfpath::ct::bench {

inline std::vector<KeyResult> make_keys(std::size_t n, uint32_t seed) {
  std::vector<KeyResult> keys;
  keys.reserve(n);
  std::mt19937_64 rng(seed);
  for (std::size_t i = 0; i < n; ++i) {
    IpAddr src{}, dst{};
    src.words[0] = static_cast<uint32_t>(0x0a000000u + (i & 0xffffff));  // distinct per i
    dst.words[0] = static_cast<uint32_t>(rng());
    keys.push_back(make_key(static_cast<uint16_t>(i % 64), 4, 6, src, dst,
                            be16::from_host(static_cast<uint16_t>(1024 + (i >> 24) + seed)), be16::from_host(443), false));
  }
  std::shuffle(keys.begin(), keys.end(), rng);
  return keys;
}

// TSC frequency, measured once against CLOCK_MONOTONIC over 100 ms.
inline double tsc_hz() {
  static const double hz = [] {
    timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    uint64_t c0 = __rdtsc();
    timespec pause{0, 100000000};
    nanosleep(&pause, nullptr);
    clock_gettime(CLOCK_MONOTONIC, &b);
    uint64_t c1 = __rdtsc();
    double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
    return static_cast<double>(c1 - c0) * 1e9 / ns;
  }();
  return hz;
}

inline double thread_cpu_ns() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

// Cycles per packet over a benchmark's whole loop, from the thread's CPU time
// (so time the scheduler gave to the other tenants of this shared machine is
// not counted) at the TSC rate. Cache and memory-bandwidth interference from
// them still is.
struct Cycles {
  double start = thread_cpu_ns();
  double per(uint64_t packets) const {
    return (thread_cpu_ns() - start) * tsc_hz() / 1e9 / static_cast<double>(packets);
  }
};

}  // namespace vfpath::ct::bench
