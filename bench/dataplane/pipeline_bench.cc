// The ENI pipeline on prebuilt bursts, no I/O: each stage alone and the whole
// run_pipeline, on 64-byte IPv4/UDP frames from vm1 to vm2 over 10,000 flows.
// Every iteration first restores the burst from its template (the stages
// rewrite frames in place), so each figure has the copy-only baseline beside
// it; the route lookup has std::unordered_map beside the FlatMap.
#include <benchmark/benchmark.h>

#include <x86intrin.h>

#include <cstring>
#include <unordered_map>

#include "control/compile.h"
#include "acl/tools/eal_session.h"
#include "control/config_file.h"
#include "dataplane/parser.h"
#include "dataplane/pipeline.h"
#include "dataplane/stages/stages.h"
#include "tests/dataplane/frames.h"

namespace vfpath {
namespace {

using test::Bytes;

const char* kConfig = R"({"generation": 1,
  "ports": [{"name": "a", "devargs": "net_null0", "role": "ENI"}, {"name": "b", "devargs": "net_null1", "role": "ENI"}],
  "vpcs": [{"id": "vpc-1", "cidrs": ["10.0.0.0/16"]}],
  "subnets": [{"id": "sn-1", "vpc": "vpc-1", "ipv4_cidr": "10.0.1.0/24"}, {"id": "sn-2", "vpc": "vpc-1", "ipv4_cidr": "10.0.2.0/24"}],
  "enis": [{"id": "vm1", "port": "a", "mac": "02:00:00:00:01:0a", "subnet": "sn-1", "ipv4": ["10.0.1.10"]},
           {"id": "vm2", "port": "b", "mac": "02:00:00:00:02:0a", "subnet": "sn-2", "ipv4": ["10.0.2.10", "10.0.2.11", "10.0.2.12", "10.0.2.13"]}]})";

constexpr int kFlows = 10000;
constexpr uint16_t kHeadroom = 128, kRoom = 256;

// The same VPC with a 20-entry NACL (the AWS default quota) on each subnet;
// the deciding entry is the last but one, so the whole rule set is in play.
std::string config_with_nacls() {
  std::string egress, ingress;
  for (int i = 1; i <= 20; ++i) {
    std::string port = std::to_string(i == 19 ? 80 : 8000 + i);
    std::string e = R"({"rule_number": )" + std::to_string(i * 10) + R"(, "action": "ALLOW", "cidr": "10.0.0.0/16", "protocol": "udp", "port_range": {"from": )" + port + ", \"to\": " + port + "}}";
    egress += (i > 1 ? "," : "") + e;
    ingress += (i > 1 ? "," : "") + e;
  }
  std::string c = kConfig;
  c.replace(c.find(R"("ipv4_cidr": "10.0.1.0/24"})"), 27, R"("ipv4_cidr": "10.0.1.0/24", "network_acl": "acl-1"})");
  c.replace(c.find(R"("ipv4_cidr": "10.0.2.0/24"})"), 27, R"("ipv4_cidr": "10.0.2.0/24", "network_acl": "acl-2"})");
  c.replace(c.rfind('}'), 1, R"(, "network_acls": [{"id": "acl-1", "vpc": "vpc-1", "egress": [)" + egress +
                                 R"(]}, {"id": "acl-2", "vpc": "vpc-1", "ingress": [)" + ingress + "]}]}");
  return c;
}

struct Fixture {
  std::unique_ptr<Snapshot> snap;
  std::vector<Bytes> frames;  // one per flow, 64 bytes with the FCS excluded (60 on the wire + padding)
  std::vector<uint8_t> buf = std::vector<uint8_t>(kBurstSize * kRoom);
  Burst burst;
  size_t next = 0;
  ScratchContext scratch{1u << 16};

  explicit Fixture(bool nacls = false) {
    if (nacls && !acl::tools::init_eal(256).ok()) std::abort();
    snap = control::compile_snapshot(control::parse_config_json(nacls ? config_with_nacls() : kConfig, "bench"),
                                     {{"a", 0}, {"b", 1}});
    for (int f = 0; f < kFlows; ++f) {
      std::string dst = "10.0.2.1" + std::to_string(f % 4);
      Bytes p = test::eth(test::kRouterMac, test::kVm1Mac, 0x0800,
                          test::ipv4("10.0.1.10", dst, 17, test::udp(static_cast<uint16_t>(1024 + f / 4), 80, Bytes(18))));
      p.resize(60, 0);
      frames.push_back(std::move(p));
    }
  }

  // Restores a burst of 32 frames from the next flows (the per-iteration baseline cost).
  void load() {
    burst.count = kBurstSize;
    burst.in_port = 0;
    for (uint16_t i = 0; i < kBurstSize; ++i) {
      const Bytes& f = frames[next];
      next = next + 1 == frames.size() ? 0 : next + 1;
      uint8_t* at = buf.data() + i * kRoom + kHeadroom;
      std::memcpy(at, f.data(), f.size());
      burst.frames[i] = Frame{at, static_cast<uint16_t>(f.size()), kHeadroom,
                              static_cast<uint16_t>(kRoom - kHeadroom - f.size()), static_cast<uint32_t>(f.size())};
      burst.verdict[i] = Verdict{};
    }
  }
};

void report(benchmark::State& state, uint64_t cycles) {
  state.SetItemsProcessed(state.iterations() * kBurstSize);
  state.counters["cycles/pkt"] = benchmark::Counter(static_cast<double>(cycles) / (state.iterations() * kBurstSize));
}

// Times `body` only; `prepare` (untimed) brings the burst to the stage.
template <typename Prepare, typename Body>
void run_after(benchmark::State& state, Prepare prepare, Body body, bool nacls = false) {
  Fixture fx(nacls);
  uint64_t cycles = 0;
  for (auto _ : state) {
    fx.load();
    prepare(fx);
    uint64_t t0 = __rdtsc();
    body(fx);
    cycles += __rdtsc() - t0;
    benchmark::DoNotOptimize(fx.burst.verdict);
  }
  report(state, cycles);
}

template <typename Body>
void run(benchmark::State& state, Body body, bool nacls = false) {
  run_after(state, [](Fixture&) {}, body, nacls);
}

void BM_Baseline_RestoreBurstOnly(benchmark::State& state) {
  Fixture fx;
  uint64_t cycles = 0;
  for (auto _ : state) {
    uint64_t t0 = __rdtsc();
    fx.load();
    cycles += __rdtsc() - t0;
    benchmark::DoNotOptimize(fx.buf.data());
  }
  report(state, cycles);
}
BENCHMARK(BM_Baseline_RestoreBurstOnly);

void BM_Stage_Parse(benchmark::State& state) { run(state, [](Fixture& fx) { parse_stage(fx.burst); }); }
BENCHMARK(BM_Stage_Parse);

void BM_Stages_ParseEni(benchmark::State& state) {
  run(state, [](Fixture& fx) { parse_stage(fx.burst); eni_stage(fx.burst, *fx.snap); });
}
BENCHMARK(BM_Stages_ParseEni);

void BM_Stages_UpToAntiSpoof(benchmark::State& state) {
  run(state, [](Fixture& fx) {
    parse_stage(fx.burst); eni_stage(fx.burst, *fx.snap); neighbor_stage(fx.burst, *fx.snap);
    anti_spoof_stage(fx.burst, *fx.snap);
  });
}
BENCHMARK(BM_Stages_UpToAntiSpoof);

void BM_Stages_UpToRoute(benchmark::State& state) {
  run(state, [](Fixture& fx) {
    parse_stage(fx.burst); eni_stage(fx.burst, *fx.snap); neighbor_stage(fx.burst, *fx.snap);
    anti_spoof_stage(fx.burst, *fx.snap); route_stage(fx.burst, *fx.snap);
  });
}
BENCHMARK(BM_Stages_UpToRoute);

void BM_Pipeline_Whole(benchmark::State& state) {
  run(state, [](Fixture& fx) { run_pipeline(fx.burst, *fx.snap, fx.scratch.ctx); });
}
BENCHMARK(BM_Pipeline_Whole);

// Two 20-entry NACLs met by every packet (egress of sn-1, ingress of sn-2),
// next to BM_Pipeline_Whole without NACLs: the difference is the NACL stage.
void BM_Pipeline_WholeWithTwoNacls20(benchmark::State& state) {
  run(state, [](Fixture& fx) { run_pipeline(fx.burst, *fx.snap, fx.scratch.ctx); }, true);
}
BENCHMARK(BM_Pipeline_WholeWithTwoNacls20);

// The NACL stage alone (two 20-entry NACLs per packet), after the stages
// before it ran untimed.
void BM_Stage_NaclTwo20(benchmark::State& state) {
  run_after(
      state,
      [](Fixture& fx) {
        parse_stage(fx.burst); eni_stage(fx.burst, *fx.snap); neighbor_stage(fx.burst, *fx.snap);
        anti_spoof_stage(fx.burst, *fx.snap); route_stage(fx.burst, *fx.snap);
      },
      [](Fixture& fx) { nacl_stage(fx.burst, *fx.snap); }, true);
}
BENCHMARK(BM_Stage_NaclTwo20);

// The route table lookup alone: FlatMap (what the snapshot uses) next to
// std::unordered_map with the same keys, 10K addresses.
template <bool kStd>
void BM_RouteLookup(benchmark::State& state) {
  std::vector<std::pair<RouteKey, uint16_t>> items;
  std::unordered_map<std::string, uint16_t> std_map;
  for (uint32_t i = 0; i < 10000; ++i) {
    uint32_t a = htonl(0x0a000000u + i);
    items.emplace_back(make_route_key(0, 4, reinterpret_cast<const uint8_t*>(&a)), static_cast<uint16_t>(i));
    std_map.emplace(std::string(reinterpret_cast<const char*>(&items.back().first), sizeof(RouteKey)), i);
  }
  auto flat = *FlatMap<RouteKey, uint16_t>::build(items);
  uint64_t sum = 0;
  size_t i = 0;
  for (auto _ : state) {
    const RouteKey& k = items[i].first;
    i = (i * 7919 + 1) % items.size();
    if constexpr (kStd) sum += std_map.find(std::string(reinterpret_cast<const char*>(&k), sizeof k))->second;
    else sum += *flat.find(k);
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RouteLookup<false>)->Name("BM_RouteLookup_FlatMap");
BENCHMARK(BM_RouteLookup<true>)->Name("BM_RouteLookup_StdUnorderedMap");

}  // namespace
}  // namespace vfpath

BENCHMARK_MAIN();
