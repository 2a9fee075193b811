// The per-worker FlowTable against std::unordered_map (same keys, same
// flow_hash) on bursts of 32: lookup hit, lookup miss, insert under churn
// (insert a new connection, erase the oldest, so the table stays at N), at
// 10K and 1M connections. Plus the whole tracked paths: an established TCP
// ACK (key + hash + bulk lookup + window check + timer) and a new TCP
// connection's first packet (key + hash + miss + tcp_new + insert), and aging.
// Every benchmark reports TSC cycles per packet ("cyc/pkt").
#include <benchmark/benchmark.h>

#include <unordered_map>

#include "bench/conntrack/bench_keys.h"
#include "conntrack/flow_table.h"
#include "conntrack/tracker.h"

namespace vfpath::ct::bench {
namespace {

constexpr uint32_t kBurst = 32;
constexpr uint64_t kPreempted = 2000000;  // TSC cycles: far above any burst's cost
constexpr uint64_t kSec = 1000000000;

// The closing figures of a benchmark: cycles per packet, the share of packets
// that `ratio` counted (hits, passes, admissions), packets per second.
void report(benchmark::State& state, const Cycles& c, std::size_t packets, const char* ratio_name, std::size_t ratio) {
  state.counters["cyc/pkt"] = c.per(packets);
  state.counters[ratio_name] = static_cast<double>(ratio) / static_cast<double>(packets);
  state.SetItemsProcessed(static_cast<int64_t>(packets));
}

struct KeyHash {
  std::size_t operator()(const FlowKey& k) const { return flow_hash(k); }
};
using StdMap = std::unordered_map<FlowKey, uint32_t, KeyHash>;

std::unique_ptr<FlowTable> filled_table(const std::vector<KeyResult>& keys, std::size_t n, uint32_t capacity) {
  auto t = FlowTable::create({.capacity = capacity, .zones = 64, .ticks_per_second = kSec});
  for (std::size_t i = 0; i < n; ++i)
    t->insert(keys[i].key, flow_hash(keys[i].key),
              {.originator = keys[i].src_side, .tclass = TimeoutClass::kTcpEstablished, .generation = 1, .tracked = true}, 0);
  return t;
}

// Lookups of bursts of 32 keys from `probe` (hits when they are the table's
// keys), hashing and prefetching each key's home slot as the pipeline will.
void table_lookup(benchmark::State& state, bool hit) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  auto keys = make_keys(n, 1);
  auto probe = hit ? keys : make_keys(n, 2);
  auto t = filled_table(keys, n, static_cast<uint32_t>(n));
  FlowKey burst[kBurst];
  uint64_t hashes[kBurst];
  EntryId ids[kBurst];
  std::size_t next = 0, found = 0, packets = 0;
  Cycles c;
  for (auto _ : state) {
    for (uint32_t i = 0; i < kBurst; ++i) {
      burst[i] = probe[next].key;
      hashes[i] = flow_hash(burst[i]);
      t->prefetch(hashes[i]);
      next = next + 1 == n ? 0 : next + 1;
    }
    t->lookup_bulk(burst, hashes, kBurst, kSec, ids);
    for (EntryId id : ids) found += id != kNoEntry;
    packets += kBurst;
  }
  report(state, c, packets, "hit_ratio", found);
}

void std_lookup(benchmark::State& state, bool hit) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  auto keys = make_keys(n, 1);
  auto probe = hit ? keys : make_keys(n, 2);
  StdMap m;
  m.reserve(n);
  for (std::size_t i = 0; i < n; ++i) m.emplace(keys[i].key, static_cast<uint32_t>(i));
  std::size_t next = 0, found = 0, packets = 0;
  Cycles c;
  for (auto _ : state) {
    for (uint32_t i = 0; i < kBurst; ++i) {
      found += m.find(probe[next].key) != m.end();
      next = next + 1 == n ? 0 : next + 1;
    }
    packets += kBurst;
  }
  report(state, c, packets, "hit_ratio", found);
}

// Churn at a steady N: keys[j..j+N) are live; insert keys[j+N], erase keys[j].
void table_insert(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  auto keys = make_keys(2 * n, 3);
  auto t = filled_table(keys, n, static_cast<uint32_t>(n + kBurst));
  std::vector<EntryId> ids(2 * n);
  for (std::size_t i = 0; i < n; ++i) ids[i] = t->lookup(keys[i].key, flow_hash(keys[i].key), 0);
  std::size_t j = 0, packets = 0, timed = 0;
  uint64_t insert_cycles = 0;
  Cycles c;
  for (auto _ : state) {
    uint64_t t0 = __rdtsc();
    for (uint32_t i = 0; i < kBurst; ++i) {
      std::size_t k = (j + n + i) % (2 * n);
      ids[k] = t->insert(keys[k].key, flow_hash(keys[k].key),
                         {.originator = keys[k].src_side, .tclass = TimeoutClass::kTcpSynSent, .generation = 1,
                          .tracked = true},
                         kSec)
                   .id;
    }
    uint64_t d = __rdtsc() - t0;
    if (d < kPreempted) {  // a burst the scheduler interrupted says nothing about inserts
      insert_cycles += d;
      timed += kBurst;
    }
    for (uint32_t i = 0; i < kBurst; ++i) t->erase(ids[(j + i) % (2 * n)]);
    j = (j + kBurst) % (2 * n);
    packets += kBurst;
  }
  state.counters["cyc/pkt"] = c.per(packets);
  state.counters["insert_cyc"] = static_cast<double>(insert_cycles) / static_cast<double>(timed);
  state.counters["size"] = t->size();
  state.SetItemsProcessed(static_cast<int64_t>(packets));
}

void std_insert(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  auto keys = make_keys(2 * n, 3);
  StdMap m;
  m.reserve(n + kBurst);
  for (std::size_t i = 0; i < n; ++i) m.emplace(keys[i].key, static_cast<uint32_t>(i));
  std::size_t j = 0, packets = 0, timed = 0;
  uint64_t insert_cycles = 0;
  Cycles c;
  for (auto _ : state) {
    uint64_t t0 = __rdtsc();
    for (uint32_t i = 0; i < kBurst; ++i) {
      std::size_t k = (j + n + i) % (2 * n);
      m.emplace(keys[k].key, static_cast<uint32_t>(k));
    }
    uint64_t d = __rdtsc() - t0;
    if (d < kPreempted) {  // a burst the scheduler interrupted says nothing about inserts
      insert_cycles += d;
      timed += kBurst;
    }
    for (uint32_t i = 0; i < kBurst; ++i) m.erase(keys[(j + i) % (2 * n)].key);
    j = (j + kBurst) % (2 * n);
    packets += kBurst;
  }
  state.counters["cyc/pkt"] = c.per(packets);
  state.counters["insert_cyc"] = static_cast<double>(insert_cycles) / static_cast<double>(timed);
  state.counters["size"] = static_cast<double>(m.size());
  state.SetItemsProcessed(static_cast<int64_t>(packets));
}

// An established TCP connection's ACK, all of tracking: hash, bulk lookup,
// window check, timer restart. The ACKs repeat the same numbers (in window).
void tracked_ack(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  auto keys = make_keys(n, 4);
  auto t = FlowTable::create({.capacity = static_cast<uint32_t>(n), .zones = 64, .ticks_per_second = kSec});
  const TcpSegment syn{.seq = 1000, .window = 65535, .flags = tcp_flag::kSyn};
  const TcpSegment synack{.seq = 5000, .ack = 1001, .window = 65535, .flags = tcp_flag::kSyn | tcp_flag::kAck};
  const TcpSegment ack{.seq = 1001, .ack = 5001, .window = 65535, .flags = tcp_flag::kAck};
  for (std::size_t i = 0; i < n; ++i) {
    uint64_t h = flow_hash(keys[i].key);
    AdmitResult a = admit(*t, keys[i], h, CtPacket{.proto = 6, .tcp = syn}, 0, 1, true);
    track(*t, a.id, other(keys[i].src_side), CtPacket{.proto = 6, .tcp = synack}, 0);
    track(*t, a.id, keys[i].src_side, CtPacket{.proto = 6, .tcp = ack}, 0);
  }
  FlowKey burst[kBurst];
  uint64_t hashes[kBurst];
  EntryId ids[kBurst];
  Side sides[kBurst];
  std::size_t next = 0, packets = 0, passed = 0;
  uint64_t now = kSec;
  Cycles c;
  for (auto _ : state) {
    for (uint32_t i = 0; i < kBurst; ++i) {
      burst[i] = keys[next].key;
      sides[i] = keys[next].src_side;
      hashes[i] = flow_hash(burst[i]);
      t->prefetch(hashes[i]);
      next = next + 1 == n ? 0 : next + 1;
    }
    t->lookup_bulk(burst, hashes, kBurst, now, ids);
    for (uint32_t i = 0; i < kBurst; ++i)
      passed += track(*t, ids[i], sides[i], CtPacket{.proto = 6, .tcp = ack}, now) == CtVerdict::kPass;
    packets += kBurst;
    now += 1000;
  }
  report(state, c, packets, "pass_ratio", passed);
}

// A new TCP connection's SYN: hash, bulk lookup (miss), tcp_new, insert; the
// oldest connection is erased to hold the table at N (aging's work, counted).
void new_connection(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  auto keys = make_keys(2 * n, 5);
  auto t = filled_table(keys, n, static_cast<uint32_t>(n + kBurst));
  std::vector<EntryId> live(2 * n);
  for (std::size_t i = 0; i < n; ++i) live[i] = t->lookup(keys[i].key, flow_hash(keys[i].key), 0);
  const TcpSegment syn{.seq = 1000, .window = 65535, .flags = tcp_flag::kSyn};
  FlowKey burst[kBurst];
  uint64_t hashes[kBurst];
  EntryId ids[kBurst];
  std::size_t j = 0, packets = 0, admitted = 0;
  Cycles c;
  for (auto _ : state) {
    for (uint32_t i = 0; i < kBurst; ++i) {
      std::size_t k = (j + n + i) % (2 * n);
      burst[i] = keys[k].key;
      hashes[i] = flow_hash(burst[i]);
      t->prefetch(hashes[i]);
    }
    t->lookup_bulk(burst, hashes, kBurst, kSec, ids);
    for (uint32_t i = 0; i < kBurst; ++i) {
      std::size_t k = (j + n + i) % (2 * n);
      AdmitResult a = admit(*t, keys[k], hashes[i], CtPacket{.proto = 6, .tcp = syn}, kSec, 1, true);
      live[k] = a.id;
      admitted += a.verdict == CtVerdict::kPass;
    }
    for (uint32_t i = 0; i < kBurst; ++i) t->erase(live[(j + i) % (2 * n)]);
    j = (j + kBurst) % (2 * n);
    packets += kBurst;
  }
  report(state, c, packets, "admit_ratio", admitted);
}

// age(): cycles per connection freed, 10K UDP connections expiring together.
void aging(benchmark::State& state) {
  auto keys = make_keys(10000, 6);
  auto t = FlowTable::create({.capacity = 16384, .zones = 64, .ticks_per_second = kSec});
  uint64_t freed = 0, epoch = 0;
  double cpu_ns = 0;
  for (auto _ : state) {
    state.PauseTiming();
    uint64_t t0 = epoch * 100 * kSec;
    for (const auto& k : keys)
      t->insert(k.key, flow_hash(k.key),
                {.originator = k.src_side, .tclass = TimeoutClass::kUdpUnreplied, .generation = 1, .tracked = true}, t0);
    state.ResumeTiming();
    double c0 = thread_cpu_ns();
    while (t->size() > 0) freed += t->age(t0 + 31 * kSec, 256);
    cpu_ns += thread_cpu_ns() - c0;
    ++epoch;
  }
  state.counters["cyc/freed"] = cpu_ns * tsc_hz() / 1e9 / static_cast<double>(freed);
}

BENCHMARK_CAPTURE(table_lookup, hit, true)->Arg(10000)->Arg(1 << 20);
BENCHMARK_CAPTURE(std_lookup, hit, true)->Arg(10000)->Arg(1 << 20);
BENCHMARK_CAPTURE(table_lookup, miss, false)->Arg(10000)->Arg(1 << 20);
BENCHMARK_CAPTURE(std_lookup, miss, false)->Arg(10000)->Arg(1 << 20);
BENCHMARK(table_insert)->Arg(10000)->Arg(1 << 20);
BENCHMARK(std_insert)->Arg(10000)->Arg(1 << 20);
BENCHMARK(tracked_ack)->Arg(10000)->Arg(1 << 20);
BENCHMARK(new_connection)->Arg(10000)->Arg(1 << 20);
BENCHMARK(aging);

}  // namespace
}  // namespace vfpath::ct::bench

BENCHMARK_MAIN();
