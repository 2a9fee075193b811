// Microbenchmarks of the acl classifier on ClassBench sets (Google
// Benchmark). For each set (acl/fw at 1K, 10K, 100K rules):
//   classify/<set>/<method>/burst:N  rte_acl, every method this CPU has,
//                                    bursts 1, 8, 32, 64
//   linear/<set>/burst:32            the linear-scan reference (baseline)
//   build/<set>                      rte_acl build time and memory
//   build/<set>/shards:4, classify/<set>/shards:4/<method>/burst:N
//                                    the 100K sets split into 4 contexts
// Counters: Mpps (packets per second / 1e6), cycles/pkt (rte_rdtsc over
// the timed loop), and for builds build_ms and MiB.
// The data directory is ACL_DATA_DIR (default /work/shared/data). Sets are
// loaded and built lazily, once per process. See bench/acl/README.md.
#include <benchmark/benchmark.h>
#include <rte_cycles.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "acl/classbench.h"
#include "acl/classifier.h"
#include "acl/reference.h"
#include "acl/tools/eal_session.h"

namespace {

struct SetFiles {
  const char* name;
  const char* rules;  // relative to <data>/classbench/
  const char* trace;
};

constexpr SetFiles kSets[] = {
    {"acl_1k", "cutsplit/acl_1k", "cutsplit/acl_1k_trace"},
    {"fw_1k", "cutsplit/fw_1k", "cutsplit/fw_1k_trace"},
    {"acl_10k", "cutsplit/acl_10k", "cutsplit/acl_10k_trace"},
    {"fw_10k", "cutsplit/fw_10k", "cutsplit/fw_10k_trace"},
    {"acl1_100k", "generated_100K/acl1_100K.gz", "generated_100K/acl1_100K_trace.gz"},
    {"fw1_100k", "generated_100K/fw1_100K.gz", "generated_100K/fw1_100K_trace.gz"},
};

std::string data_path(const char* rel) {
  const char* dir = std::getenv("ACL_DATA_DIR");
  return std::string(dir != nullptr ? dir : "/work/shared/data") + "/classbench/" + rel;
}

struct LoadedSet {
  acl::classbench::RuleFile rules;
  acl::classbench::Trace trace;
  std::vector<const uint8_t*> keys;
  std::unique_ptr<acl::Classifier> classifier;          // 1 context
  std::unique_ptr<acl::Classifier> sharded;             // kShards contexts
  std::unique_ptr<acl::LinearClassifier> reference;
};

// Loads a set once; exits on bad input (benchmarks have no error path).
LoadedSet& load(const SetFiles& f) {
  static std::map<std::string, LoadedSet> cache;
  auto it = cache.find(f.name);
  if (it != cache.end()) return it->second;
  LoadedSet s;
  auto rules = acl::classbench::read_rules(data_path(f.rules));
  if (!rules) {
    std::fprintf(stderr, "%s\n", rules.error().message.c_str());
    std::exit(2);
  }
  s.rules = std::move(rules.value());
  auto trace = acl::classbench::read_trace(data_path(f.trace), s.rules.family);
  if (!trace) {
    std::fprintf(stderr, "%s\n", trace.error().message.c_str());
    std::exit(2);
  }
  s.trace = std::move(trace.value());
  for (size_t i = 0; i < s.trace.size(); ++i) s.keys.push_back(s.trace.key(i));
  return cache.emplace(f.name, std::move(s)).first->second;
}

constexpr uint32_t kShards = 4;

acl::Classifier& classifier(LoadedSet& s, uint32_t shards) {
  std::unique_ptr<acl::Classifier>& slot = shards == 1 ? s.classifier : s.sharded;
  if (!slot) {
    auto c = acl::Classifier::build(s.rules.family, s.rules.rules, {.shards = shards});
    if (!c) {
      std::fprintf(stderr, "build: %s\n", c.error().message.c_str());
      std::exit(3);
    }
    slot = std::make_unique<acl::Classifier>(std::move(c.value()));
  }
  return *slot;
}

// Classifies the trace in bursts, wrapping around, one burst per iteration.
template <typename Clf>
void run_bursts(benchmark::State& state, const Clf& clf, const std::vector<const uint8_t*>& keys,
                uint32_t burst) {
  std::vector<uint32_t> out(burst);
  size_t off = 0;
  const size_t last = keys.size() - burst;
  const uint64_t c0 = rte_rdtsc();
  for (auto _ : state) {
    clf.classify(keys.data() + off, out.data(), burst);
    benchmark::DoNotOptimize(out.data());
    off += burst;
    if (off > last) off = 0;
  }
  const uint64_t cycles = rte_rdtsc() - c0;
  const double pkts = static_cast<double>(state.iterations()) * burst;
  state.SetItemsProcessed(static_cast<int64_t>(pkts));
  state.counters["Mpps"] = benchmark::Counter(pkts / 1e6, benchmark::Counter::kIsRate);
  state.counters["cycles/pkt"] = static_cast<double>(cycles) / pkts;
}

void register_build(const SetFiles& f, uint32_t shards) {
  std::string name = "build/" + std::string(f.name);
  if (shards > 1) name += "/shards:" + std::to_string(shards);
  benchmark::RegisterBenchmark(name.c_str(),
                               [f, shards](benchmark::State& state) {
                                 LoadedSet& s = load(f);
                                 double ms = 0, mib = 0;
                                 for (auto _ : state) {
                                   auto c = acl::Classifier::build(s.rules.family, s.rules.rules,
                                                                   {.shards = shards});
                                   if (!c) {
                                     state.SkipWithError(c.error().message.c_str());
                                     return;
                                   }
                                   ms = static_cast<double>(c.value().stats().build_ns) / 1e6;
                                   mib = static_cast<double>(c.value().stats().memory_bytes) /
                                         (1 << 20);
                                 }
                                 state.counters["rules"] =
                                     static_cast<double>(s.rules.rules.size());
                                 state.counters["build_ms"] = ms;
                                 state.counters["MiB"] = mib;
                               })
      ->Iterations(1)
      ->Unit(benchmark::kMillisecond);
}

void register_classify(const SetFiles& f, uint32_t shards, acl::Method m, uint32_t burst) {
  std::string name = "classify/" + std::string(f.name) + "/";
  if (shards > 1) name += "shards:" + std::to_string(shards) + "/";
  name += std::string(acl::method_name(m)) + "/burst:" + std::to_string(burst);
  benchmark::RegisterBenchmark(name.c_str(), [f, shards, m, burst](benchmark::State& state) {
    LoadedSet& s = load(f);
    acl::Classifier& c = classifier(s, shards);
    if (auto st = c.set_method(m); !st) {
      state.SkipWithError(st.error().message.c_str());
      return;
    }
    run_bursts(state, c, s.keys, burst);
  });
}

void register_all() {
  const auto methods = acl::Classifier::available_methods();
  for (const SetFiles& f : kSets) {
    register_build(f, 1);
    for (acl::Method m : methods) {
      for (uint32_t burst : {1u, 8u, 32u, 64u}) register_classify(f, 1, m, burst);
    }
    benchmark::RegisterBenchmark(("linear/" + std::string(f.name) + "/burst:32").c_str(),
                                 [f](benchmark::State& state) {
                                   LoadedSet& s = load(f);
                                   if (!s.reference) {
                                     s.reference = std::make_unique<acl::LinearClassifier>(
                                         acl::LinearClassifier::build(s.rules.family,
                                                                      s.rules.rules)
                                             .value());
                                   }
                                   run_bursts(state, *s.reference, s.keys, 32);
                                 });
  }
  // Sharding is only worth it for the big sets.
  for (const SetFiles& f : kSets) {
    if (std::string(f.name).find("100k") == std::string::npos) continue;
    register_build(f, kShards);
    for (acl::Method m : methods) {
      for (uint32_t burst : {32u, 64u}) register_classify(f, kShards, m, burst);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (auto st = acl::tools::init_eal(3072); !st) {
    std::fprintf(stderr, "%s\n", st.error().message.c_str());
    return 3;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
