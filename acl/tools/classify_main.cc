// vfpath-classify: build an rte_acl classifier from a ClassBench (or DPDK
// test-acl) rule file, classify a trace, report build time, memory, method
// and throughput, and optionally check every answer.
//
// Exit status: 0 all good, 1 a mismatch (--verify / --expected), 2 bad
// usage or input, 3 build failure.
#include <rte_cycles.h>

#include <boost/program_options.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "acl/classbench.h"
#include "acl/classifier.h"
#include "acl/reference.h"
#include "acl/tools/eal_session.h"
#include "acl/verify.h"

namespace po = boost::program_options;

namespace {

struct Args {
  std::string rules, trace, expected, method = "auto";
  bool verify = false;
  uint32_t burst = 32;
  uint32_t passes = 10;
  uint32_t shards = 1;
  size_t max_size = 0;
  unsigned memory_mb = 2048;
  bool hugepages = false;
};

int parse_args(int argc, char** argv, Args* a) {
  po::options_description desc("vfpath-classify options");
  desc.add_options()
      ("help,h", "show this help")
      ("rules", po::value(&a->rules)->required(), "ClassBench / DPDK test-acl rule file (.gz ok)")
      ("trace", po::value(&a->trace)->required(), "header trace file (.gz ok)")
      ("expected", po::value(&a->expected), "oracle: 0-based first-match rule per trace line")
      ("verify", po::bool_switch(&a->verify), "check every header against the linear scan")
      ("method", po::value(&a->method), "auto|scalar|sse|avx2|avx512x16|avx512x32")
      ("burst", po::value(&a->burst), "keys per classify call (default 32)")
      ("passes", po::value(&a->passes), "passes over the trace when timing (default 10)")
      ("max-size", po::value(&a->max_size), "rte_acl max_size in bytes (0 = unlimited)")
      ("shards", po::value(&a->shards), "rte_acl contexts to split the rules into (default 1)")
      ("memory-mb", po::value(&a->memory_mb), "EAL memory in MB (default 2048)")
      ("hugepages", po::bool_switch(&a->hugepages), "use 2 MB hugepages (reserve them first: /proc/sys/vm/nr_hugepages)");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    if (vm.count("help")) {
      std::cout << desc << "\n";
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "vfpath-classify: " << e.what() << "\n" << desc << "\n";
    return 2;
  }
  if (a->burst == 0 || a->passes == 0) {
    std::cerr << "vfpath-classify: --burst and --passes must be > 0\n";
    return 2;
  }
  return -1;
}

// Prints the first mismatch between got and want; true if none.
bool report(const char* oracle, const acl::classbench::Trace& trace,
            const std::vector<uint32_t>& got, const std::vector<uint32_t>& want) {
  const auto diff = acl::first_difference(got, want);
  if (!diff) {
    std::printf("%s: OK, %zu headers match\n", oracle, got.size());
    return true;
  }
  const size_t i = *diff;
  if (i >= got.size() || i >= want.size()) {
    std::printf("%s: MISMATCH: %zu answers but %zu oracle lines\n", oracle, got.size(),
                want.size());
    return false;
  }
  std::printf("%s: MISMATCH at trace line %zu (header %zu: %s): classifier says %s, %s says %s\n",
              oracle, trace.lines[i], i,
              acl::classbench::format_key(trace.family, trace.key(i)).c_str(),
              acl::describe_userdata(got[i]).c_str(), oracle,
              acl::describe_userdata(want[i]).c_str());
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (int rc = parse_args(argc, argv, &args); rc >= 0) return rc;
  const auto method = acl::parse_method(args.method);
  if (!method) {
    std::cerr << "vfpath-classify: unknown --method '" << args.method << "'\n";
    return 2;
  }
  auto rules = acl::classbench::read_rules(args.rules);
  if (!rules) {
    std::cerr << "vfpath-classify: " << rules.error().message << "\n";
    return 2;
  }
  const acl::Family family = rules.value().family;
  auto trace = acl::classbench::read_trace(args.trace, family);
  if (!trace) {
    std::cerr << "vfpath-classify: " << trace.error().message << "\n";
    return 2;
  }
  std::vector<uint32_t> expected;
  if (!args.expected.empty()) {
    auto e = acl::classbench::read_expected(args.expected);
    if (!e) {
      std::cerr << "vfpath-classify: " << e.error().message << "\n";
      return 2;
    }
    expected = acl::expected_to_userdata(e.value());
  }
  if (auto st = acl::tools::init_eal(args.memory_mb, args.hugepages); !st) {
    std::cerr << "vfpath-classify: " << st.error().message << "\n";
    return 3;
  }

  std::printf("rules: %zu IPv%d rules from %s\n", rules.value().rules.size(),
              static_cast<int>(family), args.rules.c_str());
  auto built = acl::Classifier::build(family, rules.value().rules,
                                      {.method = *method, .max_size = args.max_size,
                                       .shards = args.shards});
  if (!built) {
    std::cerr << "vfpath-classify: build: " << built.error().message << "\n";
    return 3;
  }
  const acl::Classifier& clf = built.value();
  std::string avail;
  for (acl::Method m : acl::Classifier::available_methods()) {
    if (!avail.empty()) avail += ',';
    avail += acl::method_name(m);
  }
  std::printf("build: %.1f ms, %u rte_acl context(s), memory %.2f MiB, method %s (available: %s)\n",
              static_cast<double>(clf.stats().build_ns) / 1e6, clf.stats().contexts,
              static_cast<double>(clf.stats().memory_bytes) / (1024.0 * 1024.0),
              std::string(acl::method_name(clf.stats().method)).c_str(), avail.c_str());

  const acl::classbench::Trace& tr = trace.value();
  const size_t n = tr.size();
  std::vector<const uint8_t*> keys(n);
  for (size_t i = 0; i < n; ++i) keys[i] = tr.key(i);
  std::vector<uint32_t> got(n);
  const auto t0 = std::chrono::steady_clock::now();
  const uint64_t c0 = rte_rdtsc();
  for (uint32_t p = 0; p < args.passes; ++p) {
    for (size_t off = 0; off < n; off += args.burst) {
      const auto cnt = static_cast<uint32_t>(std::min<size_t>(args.burst, n - off));
      clf.classify(keys.data() + off, got.data() + off, cnt);
    }
  }
  const uint64_t cycles = rte_rdtsc() - c0;
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double pkts = static_cast<double>(n) * args.passes;
  std::printf("trace: %zu headers from %s, burst %u, %u passes\n", n, args.trace.c_str(),
              args.burst, args.passes);
  std::printf("classify: %.2f Mpps, %.1f cycles/packet (TSC %.2f GHz)\n",
              pkts / secs / 1e6, static_cast<double>(cycles) / pkts,
              static_cast<double>(rte_get_tsc_hz()) / 1e9);

  bool ok = true;
  if (args.verify) {
    auto ref = acl::LinearClassifier::build(family, rules.value().rules);
    if (!ref) {
      std::cerr << "vfpath-classify: reference: " << ref.error().message << "\n";
      return 3;
    }
    std::vector<uint32_t> want(n);
    ref.value().classify(keys.data(), want.data(), static_cast<uint32_t>(n));
    ok = report("linear-scan", tr, got, want) && ok;
  }
  if (ok && !args.expected.empty()) ok = report("expected", tr, got, expected);
  return ok ? 0 : 1;
}
