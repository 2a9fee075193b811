// The shared alternative: one lock-free rte_hash (RW_CONCURRENCY_LF, readers
// never block, a writer at a time) on the same 40-byte keys, bursts of 32:
// lookup hit, miss, insert under churn at 10K and 1M. And the price of the
// per-worker design's handoff: a burst of packet pointers through an SP/SC
// rte_ring (enqueue + dequeue on one core: the instructions; the cross-core
// line transfer comes on top, measured in ring_pingpong with two lcores).
// And lf_update_two_cores: two lcores updating connections in the shared
// table, both walking all of them versus each its own half.
//
// Needs EAL; runs it without hugepages or shared config:
//   conntrack_rte_hash_bench [benchmark flags]
// (EAL arguments are built in: --no-huge --no-shconf --no-pci -l 0,1 -m 1536
// --file-prefix ct-bench-<pid>; the runtime directory is removed at exit).
#include <benchmark/benchmark.h>
#include <rte_eal.h>
#include <rte_hash.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_ring.h>
#include <rte_spinlock.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/conntrack/bench_keys.h"

namespace vfpath::ct::bench {
namespace {

constexpr uint32_t kBurst = 32;
constexpr uint64_t kPreempted = 2000000;  // TSC cycles: far above any burst's cost

uint32_t key_hash(const void* key, uint32_t, uint32_t) {
  return static_cast<uint32_t>(flow_hash(*static_cast<const FlowKey*>(key)));
}

rte_hash* make_hash(std::size_t n, const char* name) {
  rte_hash_parameters p{};
  p.name = name;
  p.entries = static_cast<uint32_t>(n + n / 4);  // cuckoo headroom; no extendable buckets
  p.key_len = sizeof(FlowKey);
  p.hash_func = key_hash;  // the same hash as the per-worker table
  p.socket_id = 0;
  p.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF;
  return rte_hash_create(&p);
}

rte_hash* filled(const std::vector<KeyResult>& keys, std::size_t n, const char* name) {
  rte_hash* h = make_hash(n, name);
  if (!h) return nullptr;
  for (std::size_t i = 0; i < n; ++i)
    if (rte_hash_add_key_data(h, &keys[i].key, reinterpret_cast<void*>(i + 1)) != 0) {
      rte_hash_free(h);
      return nullptr;
    }
  return h;
}

void lf_lookup(benchmark::State& state, bool hit) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  auto keys = make_keys(n, 1);
  auto probe = hit ? keys : make_keys(n, 2);
  rte_hash* h = filled(keys, n, hit ? "ct_hit" : "ct_miss");
  if (!h) {
    state.SkipWithError("rte_hash_create/add failed");
    return;
  }
  const void* burst[kBurst];
  void* data[kBurst];
  uint64_t found = 0, packets = 0, mask = 0;
  std::size_t next = 0;
  Cycles c;
  for (auto _ : state) {
    for (uint32_t i = 0; i < kBurst; ++i) {
      burst[i] = &probe[next].key;
      next = next + 1 == n ? 0 : next + 1;
    }
    rte_hash_lookup_bulk_data(h, burst, kBurst, &mask, data);
    found += static_cast<uint64_t>(__builtin_popcountll(mask));
    packets += kBurst;
  }
  state.counters["cyc/pkt"] = c.per(packets);
  state.counters["hit_ratio"] = static_cast<double>(found) / static_cast<double>(packets);
  state.SetItemsProcessed(static_cast<int64_t>(packets));
  rte_hash_free(h);
}

// Churn at N as for the FlowTable: add a new key, delete the oldest (and free
// its slot at once: a single thread needs no grace period).
void lf_insert(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  auto keys = make_keys(2 * n, 3);
  rte_hash* h = filled(keys, n, "ct_insert");
  if (!h) {
    state.SkipWithError("rte_hash_create/add failed");
    return;
  }
  std::size_t j = 0;
  uint64_t packets = 0, insert_cycles = 0, failed = 0, timed = 0;
  Cycles c;
  for (auto _ : state) {
    uint64_t t0 = __rdtsc();
    for (uint32_t i = 0; i < kBurst; ++i) {
      std::size_t k = (j + n + i) % (2 * n);
      failed += rte_hash_add_key_data(h, &keys[k].key, reinterpret_cast<void*>(k + 1)) != 0;
    }
    uint64_t d = __rdtsc() - t0;
    if (d < kPreempted) {  // a burst the scheduler interrupted says nothing about inserts
      insert_cycles += d;
      timed += kBurst;
    }
    for (uint32_t i = 0; i < kBurst; ++i) {
      int32_t pos = rte_hash_del_key(h, &keys[(j + i) % (2 * n)].key);
      if (pos >= 0) rte_hash_free_key_with_position(h, pos);
    }
    j = (j + kBurst) % (2 * n);
    packets += kBurst;
  }
  state.counters["cyc/pkt"] = c.per(packets);
  state.counters["insert_cyc"] = static_cast<double>(insert_cycles) / static_cast<double>(timed);
  state.counters["failed"] = static_cast<double>(failed);
  state.SetItemsProcessed(static_cast<int64_t>(packets));
  rte_hash_free(h);
}

// Handoff instructions: a burst of 32 pointers into an SP/SC ring and out.
void ring_handoff(benchmark::State& state) {
  rte_ring* r = rte_ring_create("ct_handoff", 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
  if (!r) {
    state.SkipWithError("rte_ring_create failed");
    return;
  }
  void* objs[kBurst];
  for (uint32_t i = 0; i < kBurst; ++i) objs[i] = reinterpret_cast<void*>(uintptr_t{i + 1});
  void* out[kBurst];
  uint64_t packets = 0;
  Cycles c;
  for (auto _ : state) {
    rte_ring_sp_enqueue_burst(r, objs, kBurst, nullptr);
    rte_ring_sc_dequeue_burst(r, out, kBurst, nullptr);
    benchmark::DoNotOptimize(out[0]);
    packets += kBurst;
  }
  state.counters["cyc/pkt"] = c.per(packets);
  rte_ring_free(r);
}

// Two lcores: the main one hands bursts of 32 to a second that takes them
// (and touches each pointed-to 64-byte line, as the owner would read the
// packet's metadata), so the figure includes the cross-core transfers.
struct PingPong {
  rte_ring* ring;
  std::atomic<bool> stop{false};
};
int ring_consumer(void* arg) {
  auto* pp = static_cast<PingPong*>(arg);
  void* out[kBurst];
  uint64_t sink = 0;
  while (!pp->stop.load(std::memory_order_relaxed)) {
    unsigned got = rte_ring_sc_dequeue_burst(pp->ring, out, kBurst, nullptr);
    for (unsigned i = 0; i < got; ++i) sink += *static_cast<volatile uint64_t*>(out[i]);
  }
  return static_cast<int>(sink & 1);
}
void ring_pingpong(benchmark::State& state) {
  unsigned worker = rte_get_next_lcore(-1, 1, 0);
  if (worker >= RTE_MAX_LCORE) {
    state.SkipWithError("needs a second lcore (-l 0,1)");
    return;
  }
  PingPong pp;
  pp.ring = rte_ring_create("ct_pingpong", 4096, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
  std::vector<uint64_t> metas(4096 * 8);
  rte_eal_remote_launch(ring_consumer, &pp, worker);
  void* objs[kBurst];
  uint64_t packets = 0;
  std::size_t next = 0;
  Cycles c;
  for (auto _ : state) {
    for (uint32_t i = 0; i < kBurst; ++i) {
      metas[next * 8] = packets + i;  // the producer wrote the line: it must move
      objs[i] = &metas[next * 8];
      next = (next + 1) % 4096;
    }
    unsigned sent = 0;
    while (sent < kBurst) sent += rte_ring_sp_enqueue_burst(pp.ring, objs + sent, kBurst - sent, nullptr);
    packets += kBurst;
  }
  state.counters["cyc/pkt"] = c.per(packets);
  pp.stop.store(true);
  rte_eal_mp_wait_lcore();
  rte_ring_free(pp.ring);
}

// What sharing costs once packets write their connection: two lcores look up
// in one LF rte_hash and update the connection (a per-entry spinlock around a
// window-like update and the deadline, as TCP tracking must on a shared
// entry). "shared": both cores walk all connections, as when the two
// directions of a connection land on different cores. "owned": each core
// only its half (owner_worker), as after the per-worker handoff. The figure
// is the main lcore's cycles per packet while the other runs the same loop.
struct alignas(64) SharedConn {
  rte_spinlock_t lock;
  uint32_t end;
  uint32_t maxend;
  uint64_t deadline;
};
struct UpdateLoad {
  rte_hash* hash;
  const std::vector<KeyResult>* keys[2];  // per lcore: all connections, or its own half
  std::vector<SharedConn>* conns;
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> worker_packets{0};
};
uint64_t update_burst(UpdateLoad& u, uint32_t me, std::size_t& next) {
  const auto& keys = *u.keys[me];
  const void* burst[kBurst];
  void* data[kBurst];
  uint64_t mask = 0;
  for (uint32_t i = 0; i < kBurst; ++i) {
    burst[i] = &keys[next].key;
    next = next + 1 == keys.size() ? 0 : next + 1;
  }
  rte_hash_lookup_bulk_data(u.hash, burst, kBurst, &mask, data);
  for (uint32_t i = 0; i < kBurst; ++i) {
    SharedConn& c = (*u.conns)[reinterpret_cast<uintptr_t>(data[i]) - 1];
    rte_spinlock_lock(&c.lock);
    c.end += 1;
    c.maxend = c.end + 65535;
    c.deadline = next;
    rte_spinlock_unlock(&c.lock);
  }
  return mask;
}
int update_worker(void* arg) {
  auto* u = static_cast<UpdateLoad*>(arg);
  std::size_t next = u->keys[1]->size() / 2;
  uint64_t packets = 0;
  while (!u->stop.load(std::memory_order_relaxed)) {
    update_burst(*u, 1, next);
    packets += kBurst;
  }
  u->worker_packets.store(packets);
  return 0;
}
void lf_update_two_cores(benchmark::State& state, bool owned) {
  unsigned worker = rte_get_next_lcore(-1, 1, 0);
  if (worker >= RTE_MAX_LCORE) {
    state.SkipWithError("needs a second lcore (-l 0,1)");
    return;
  }
  const std::size_t n = 10000;
  auto keys = make_keys(n, 7);
  std::vector<KeyResult> half[2];
  for (const auto& k : keys) half[owner_worker(flow_hash(k.key), 2)].push_back(k);
  rte_hash* h = filled(keys, n, owned ? "ct_upd_owned" : "ct_upd_shared");
  if (!h) {
    state.SkipWithError("rte_hash_create/add failed");
    return;
  }
  std::vector<SharedConn> conns(n + 1);
  for (auto& c : conns) rte_spinlock_init(&c.lock);
  UpdateLoad u{.hash = h, .keys = {owned ? &half[0] : &keys, owned ? &half[1] : &keys}, .conns = &conns};
  rte_eal_remote_launch(update_worker, &u, worker);
  std::size_t next = 0;
  uint64_t packets = 0;
  Cycles c;
  for (auto _ : state) {
    benchmark::DoNotOptimize(update_burst(u, 0, next));
    packets += kBurst;
  }
  state.counters["cyc/pkt"] = c.per(packets);
  u.stop.store(true);
  rte_eal_mp_wait_lcore();
  // How much the other lcore ran meanwhile (1 = as much as the measured one).
  state.counters["other/main"] = static_cast<double>(u.worker_packets.load()) / static_cast<double>(packets);
  rte_hash_free(h);
}

BENCHMARK_CAPTURE(lf_lookup, hit, true)->Arg(10000)->Arg(1 << 20);
BENCHMARK_CAPTURE(lf_lookup, miss, false)->Arg(10000)->Arg(1 << 20);
BENCHMARK(lf_insert)->Arg(10000)->Arg(1 << 20);
BENCHMARK(ring_handoff);
BENCHMARK(ring_pingpong)->UseRealTime();
BENCHMARK_CAPTURE(lf_update_two_cores, shared, false);
BENCHMARK_CAPTURE(lf_update_two_cores, owned, true);

}  // namespace
}  // namespace vfpath::ct::bench

int main(int argc, char** argv) {
  std::string prefix = "ct-bench-" + std::to_string(getpid());
  std::vector<std::string> eal = {"conntrack_rte_hash_bench", "--no-huge", "--no-shconf", "--no-pci", "-l", "0,1",
                                  "-m", "1536", "--file-prefix", prefix, "--log-level", "lib.eal:error"};
  std::vector<char*> eal_argv;
  for (auto& s : eal) eal_argv.push_back(s.data());
  if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0) return 1;
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  rte_eal_cleanup();
  std::error_code ec;
  std::filesystem::remove_all("/var/run/dpdk/" + prefix, ec);
  return 0;
}
