// The ENI pipeline on prebuilt bursts, no I/O: each stage alone and the whole
// run_pipeline, on 64-byte IPv4/UDP frames from vm1 to vm2 over 10,000 flows
// (1M for the _1M profiles). Connection tracking profiles: vm1 and vm2 in the
// VPC's default group (every packet a hit in two zones: vm1's egress, vm2's
// ingress), all-open groups (untracked: no table work), and a storm of new
// connections admitted by a group-member (address set) rule or by a CIDR rule.
// Every iteration first restores the burst from its template (the stages
// rewrite frames in place), so each figure has the copy-only baseline beside
// it; the route lookup has std::unordered_map beside the FlatMap.
#include <benchmark/benchmark.h>

#include <x86intrin.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <random>
#include <unordered_map>

#include "control/compile.h"
#include "acl/tools/eal_session.h"
#include "control/config_file.h"
#include "packet/checksum.h"
#include "packet/parser.h"
#include "bench/dataplane/load_burst.h"
#include "dataplane/fragment_hold.h"
#include "dataplane/pipeline.h"
#include "dataplane/stages/stages.h"
#include "tests/packet/frames.h"

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

// kDefault: the VPC's default group (ingress from its members: a set rule,
// looked up in the address sets); kCidrPeer: a group admitting the same
// peers by CIDR (a classifier rule) — the two side by side price the set
// lookup; kAllOpen: all-open both ways, untracked.
enum class Groups { kDefault, kCidrPeer, kAllOpen };

// Both ENIs in one group with these ingress and egress peers.
std::string config_in_group(const std::string& ingress_cidr) {
  std::string c = kConfig;
  const std::string group = R"(, "security_groups": ["sg-1"]})";
  for (const std::string at : {R"("ipv4": ["10.0.1.10"]})", R"("10.0.2.13"]})"})
    c.replace(c.find(at), at.size(), at.substr(0, at.size() - 1) + group);
  c.replace(c.rfind('}'), 1, R"(, "security_groups": [{"id": "sg-1", "vpc": "vpc-1",
      "ingress": [{"protocol": "all", "cidrs": [")" + ingress_cidr + R"("]}], "egress": [{"protocol": "all", "cidrs": ["0.0.0.0/0"]}]}]})");
  return c;
}

std::string config_of(Groups groups) {
  switch (groups) {
    case Groups::kAllOpen: return config_in_group("0.0.0.0/0");  // TCP/UDP untracked (AWS)
    case Groups::kCidrPeer: return config_in_group("10.0.1.10/32");
    case Groups::kDefault: break;
  }
  return kConfig;
}
constexpr uint16_t kHeadroom = 128, kRoom = 256;

// IDS (ids/README.md): none configured; the same with a third ENI (no IDS:
// the baseline of the next one); a rule set on that third ENI, which the
// traffic does not touch (what ENIs without IDS pay once some ENI has it);
// vm2's ENI in DETECT or PREVENT. 1,000 content rules of 8..16 random bytes
// (tcp and udp), none matching the traffic: the common case is a miss.
enum class IdsProfile { kNone, kThirdEni, kOtherEni, kDetect, kPrevent };

std::string with_ids(std::string c, IdsProfile ids) {
  if (ids == IdsProfile::kNone) return c;
  std::mt19937 rng(11);
  std::string rules;
  for (int r = 1; r <= 1000; ++r) {
    std::string hex;
    const int len = 8 + static_cast<int>(rng() % 9);
    for (int k = 0; k < len; ++k) {
      char b[4];
      std::snprintf(b, sizeof b, "%02x ", static_cast<unsigned>(rng() % 256));
      hex += b;
    }
    rules += std::string(r % 2 ? "alert tcp" : "drop udp") + " any any -> any any (msg:\\\"gen\\\"; content:\\\"|" +
             hex + "|\\\"; sid:" + std::to_string(r) + ";)\\n";
  }
  const std::string vm2_end = R"("10.0.2.13"])";
  const std::string mode = ids == IdsProfile::kPrevent ? "PREVENT" : "DETECT";
  if (ids == IdsProfile::kOtherEni || ids == IdsProfile::kThirdEni) {
    // On a port of its own: vm1's port keeps its single ENI (eni_stage's shortcut).
    const std::string ports_end = R"("role": "ENI"}])";
    c.insert(c.find(ports_end) + ports_end.size() - 1, R"(, {"name": "c", "devargs": "net_null2", "role": "ENI"})");
    const size_t at = c.find(vm2_end) + vm2_end.size();
    const size_t close = at + c.substr(at).find(']');
    c.insert(close, std::string(R"(, {"id": "vm3", "port": "c", "mac": "02:00:00:00:03:0a", "subnet": "sn-1", "ipv4": ["10.0.1.30"])") +
                        (ids == IdsProfile::kOtherEni ? R"(, "ids": {"ruleset": "rs", "mode": "PREVENT"}})" : "}"));
  } else {
    c.insert(c.find(vm2_end) + vm2_end.size(), R"(, "ids": {"ruleset": "rs", "mode": ")" + mode + R"("})");
  }
  c.insert(c.rfind('}'), R"(, "ids_rulesets": [{"id": "rs", "rules": ")" + rules + R"("}])");
  return c;
}

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

// Flow f: vm1 to 10.0.2.1<f % 4>, (source port, destination port) distinct
// per destination address.
std::pair<uint16_t, uint16_t> ports_of(int f) {
  const int n = f / 4;
  return {static_cast<uint16_t>(1024 + n % 64000), static_cast<uint16_t>(80 + n / 64000)};
}
Bytes frame_of_flow(int f, uint8_t proto, const Bytes& l4, test::Ip4Opts o = {}, bool internet = false) {
  const std::string dst = (internet ? "203.0.113.1" : "10.0.2.1") + std::to_string(f % 4);
  Bytes p = test::eth(test::kRouterMac, test::kVm1Mac, 0x0800, test::ipv4("10.0.1.10", dst, proto, l4, o));
  p.resize(std::max<size_t>(p.size(), 60), 0);
  return p;
}

struct Fixture {
  std::unique_ptr<Snapshot> snap;
  std::vector<Bytes> frames;  // one per flow, 64 bytes with the FCS excluded (60 on the wire + padding)
  std::vector<uint8_t> buf = std::vector<uint8_t>(kBurstSize * kRoom);
  Burst burst;
  RouteResults routes;  // the stage-by-stage benchmarks hand it from route to NACL
  size_t next = 0;
  ScratchContext scratch;

  // Every flow's connection is established before timing (one untimed pass).
  // `proto` 17: UDP datagrams; 6: TCP ACK segments (picked up mid-stream on
  // the untimed pass, then established: window checks on every packet).
  explicit Fixture(bool nacls = false, int flows = kFlows, Groups groups = Groups::kDefault, uint8_t proto = 17,
                   IdsProfile ids = IdsProfile::kNone, bool allowances = false, bool internet = false)
      : scratch(static_cast<uint32_t>(std::max(1 << 16, 2 * flows + flows / 2))) {
    if (nacls && !acl::tools::init_eal(256).ok()) std::abort();
    // A worker's stream table, not the small one of a scratch context.
    scratch.ids = std::make_unique<IdsWorkerState>(kIdsStreamsPerWorker, 1000000000);
    scratch.ctx.ids = scratch.ids.get();
    std::string text = with_ids(nacls ? config_with_nacls() : config_of(groups), ids);
    if (allowances) {
      const std::string vm1 = R"("ipv4": ["10.0.1.10"])", vm2 = R"("10.0.2.13"])";
      text.insert(text.find(vm2) + vm2.size(), R"(, "limits": {"pps": 100000000, "bandwidth_in_mbps": 32000})");
      text.insert(text.find(vm1) + vm1.size(), R"(, "limits": {"pps": 100000000, "bandwidth_out_mbps": 32000})");
    }
    if (internet) {  // vm1 has an Elastic IP and sends to the internet (through gateway port "inet")
      text.insert(text.find(R"("role": "ENI"}])") + std::string(R"("role": "ENI"})").size(),
                  R"(, {"name": "inet", "devargs": "net_null3", "role": "UPLINK"})");
      const std::string vm1 = R"("ipv4": ["10.0.1.10"])";
      text.insert(text.find(vm1) + vm1.size(), R"(, "public_ipv4": [{"public_ip": "198.51.100.10"}])");
      text.insert(text.rfind('}'), R"(, "internet_gateway": {"port": "inet", "next_hop_mac": "02:00:00:00:ee:01"})");
    }
    scratch.ctx.ticks_per_us = 1000;  // the clock in ns
    snap = control::compile_snapshot(control::parse_config_json(text, "bench"),
                                     {{"a", 0}, {"b", 1}, {"c", 2}, {"inet", 3}});  // "c": the IDS profiles' third ENI
    routes.reset(kBurstSize);
    for (int f = 0; f < flows; ++f) {
      const auto [sport, dport] = ports_of(f);
      frames.push_back(frame_of_flow(f, proto, proto == 6 ? test::tcp(sport, dport, 0x10, 5, Bytes(6)) : test::udp(sport, dport, Bytes(18)),
                                     {}, internet));
    }
    for (size_t done = 0; done < frames.size(); done += kBurstSize) {
      load();
      run_pipeline(burst, *snap, scratch.ctx);
    }
    next = 0;
  }

  // Restores a burst of 32 frames from the next flows (the per-iteration baseline cost).
  void load() { load_burst(burst, 0, frames, next, buf.data(), kRoom, kHeadroom); }
};

void report(benchmark::State& state, uint64_t cycles) {
  state.SetItemsProcessed(state.iterations() * kBurstSize);
  state.counters["cycles/pkt"] = benchmark::Counter(static_cast<double>(cycles) / (state.iterations() * kBurstSize));
}

// Times `body` only, on `fx`; `prepare` (untimed) brings the burst to the stage.
template <typename Prepare, typename Body>
void time_on(benchmark::State& state, Fixture& fx, Prepare prepare, Body body) {
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

template <typename Prepare, typename Body>
void run_after(benchmark::State& state, Prepare prepare, Body body, bool nacls = false) {
  Fixture fx(nacls);
  time_on(state, fx, prepare, body);
}

void whole_pipeline(Fixture& fx) { run_pipeline(fx.burst, *fx.snap, fx.scratch.ctx); }

// The stages up to routing (untimed, before a stage that follows them is timed).
void up_to_route(Fixture& fx) {
  parse_stage(fx.burst); eni_stage(fx.burst, *fx.snap); neighbor_stage(fx.burst, *fx.snap);
  anti_spoof_stage(fx.burst, *fx.snap); route_stage(fx.burst, *fx.snap, fx.routes);
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

// The stages a packet from a VM meets before anti-spoofing that earlier
// figures did not have: the egress allowance (no limits configured: one
// test per burst) and the link-local services (the link-local test on
// traffic that is neither link-local nor DHCP: what every packet pays),
// alone, after the stages before them (untimed).
void BM_Stage_AllowanceEgressAndLinkLocal(benchmark::State& state) {
  run_after(state,
            [](Fixture& fx) {
              parse_stage(fx.burst); eni_stage(fx.burst, *fx.snap); neighbor_stage(fx.burst, *fx.snap);
            },
            [](Fixture& fx) {
              allowance_egress_stage(fx.burst, *fx.snap, fx.scratch.ctx);
              link_local_stage(fx.burst, *fx.snap, fx.scratch.ctx);
            });
}
BENCHMARK(BM_Stage_AllowanceEgressAndLinkLocal);

void BM_Stages_UpToRoute(benchmark::State& state) {
  run(state, [](Fixture& fx) {
    parse_stage(fx.burst); eni_stage(fx.burst, *fx.snap); neighbor_stage(fx.burst, *fx.snap);
    allowance_egress_stage(fx.burst, *fx.snap, fx.scratch.ctx); link_local_stage(fx.burst, *fx.snap, fx.scratch.ctx);
    anti_spoof_stage(fx.burst, *fx.snap); route_stage(fx.burst, *fx.snap, fx.routes);
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
      up_to_route,
      [](Fixture& fx) { nacl_stage(fx.burst, *fx.snap, fx.routes); }, true);
}
BENCHMARK(BM_Stage_NaclTwo20);

// Connection tracking, established: every packet a hit in vm1's and vm2's
// zones (the VPC's default group tracks). 10K and 1M connections.
void BM_Pipeline_Tracked10K(benchmark::State& state) {
  run(state, [](Fixture& fx) { run_pipeline(fx.burst, *fx.snap, fx.scratch.ctx); });
}
BENCHMARK(BM_Pipeline_Tracked10K);

void BM_Pipeline_Tracked1M(benchmark::State& state) {
  Fixture fx(false, 1000000);
  time_on(state, fx, [](Fixture&) {}, whole_pipeline);
}
BENCHMARK(BM_Pipeline_Tracked1M);

// The same with TCP: every packet also passes the window checks.
void BM_Pipeline_TrackedTcp10K(benchmark::State& state) {
  Fixture fx(false, kFlows, Groups::kDefault, 6);
  time_on(state, fx, [](Fixture&) {}, whole_pipeline);
  fx.load();
  whole_pipeline(fx);
  int forwarded = 0;
  for (const Verdict& v : fx.burst.verdict) forwarded += v.action == Action::kForward;
  state.counters["forwarded"] = forwarded / static_cast<double>(kBurstSize);  // 1: none refused as tcp_invalid
}
BENCHMARK(BM_Pipeline_TrackedTcp10K);

// Fragmented traffic of the same established flows: every datagram in two
// fragments, in order (the first: a hit in both zones and a first-fragment
// record per zone; the second: the record looked up per zone), beside
// BM_Pipeline_Tracked10K's unfragmented datagrams.
void BM_Pipeline_Fragmented10K(benchmark::State& state) {
  Fixture fx;
  std::vector<Bytes> fragments;
  for (int f = 0; f < kFlows; ++f) {
    const auto [sport, dport] = ports_of(f);
    const auto id = static_cast<uint16_t>(f);
    fragments.push_back(frame_of_flow(f, 17, test::udp(sport, dport, Bytes(24), 56), {.frag = 0x2000, .id = id}));
    fragments.push_back(frame_of_flow(f, 17, Bytes(24), {.frag = 0x0004, .id = id}));
  }
  fx.frames = std::move(fragments);
  fx.next = 0;
  // The clock moves 1 µs a burst, as a worker's does: with a frozen one all
  // first-fragment records would tie for eviction in a full table.
  time_on(state, fx, [](Fixture& f) { f.scratch.ctx.now += 1000; }, whole_pipeline);
  fx.load();
  whole_pipeline(fx);
  int forwarded = 0;
  for (const Verdict& v : fx.burst.verdict) forwarded += v.action == Action::kForward;
  state.counters["forwarded"] = forwarded / static_cast<double>(kBurstSize);  // 1: every fragment followed its first
}
BENCHMARK(BM_Pipeline_Fragmented10K);

// The hold of fragments that came before their first (the worker's side of
// reordered traffic): 32 fragments of one datagram kept, then taken when its
// first fragment is decided, with the hold already holding `occupancy`
// fragments of other datagrams (its scans are linear). Per fragment; the
// pipeline then runs on them as on in-order fragments (BM_Pipeline_Fragmented10K).
void BM_FragmentHold_KeepAndTake(benchmark::State& state) {
  const auto occupancy = static_cast<uint32_t>(state.range(0));
  FragmentHold hold(kHoldCapacity, kHoldCapacity, 1u << 30);
  auto fragment = [](uint32_t id, uint16_t k) {
    HeldFragment f;
    f.mbuf = reinterpret_cast<rte_mbuf*>(uintptr_t{64} * (k + 1));
    f.datagram.id = id;
    f.begin = static_cast<uint16_t>(8 * k + 8);
    f.end = static_cast<uint16_t>(8 * k + 16);
    return f;
  };
  for (uint32_t i = 0; i < occupancy; ++i) hold.keep(fragment(1000 + i, 0), 0);
  std::vector<HeldFragment> batch;
  for (uint16_t k = 0; k < kBurstSize; ++k) batch.push_back(fragment(1, k));
  HeldFragment out[kBurstSize];
  uint64_t cycles = 0;
  for (auto _ : state) {
    const uint64_t t0 = __rdtsc();
    for (const HeldFragment& f : batch) hold.keep(f, 1);
    benchmark::DoNotOptimize(hold.take(batch[0].datagram, out, kBurstSize));
    cycles += __rdtsc() - t0;
  }
  report(state, cycles);
  state.counters["bytes/held"] = sizeof(HeldFragment);
}
BENCHMARK(BM_FragmentHold_KeepAndTake)->Arg(0)->Arg(64)->Arg(192);

// The IDS stage on the tracked profiles (UDP 10K: each 18-byte payload a
// block scan; TCP 10K: every segment new in-order bytes of its stream — the
// untimed prepare moves each flow's sequence number on — through the stream
// normaliser and a carry + segment window), and what ENIs without IDS pay
// once another ENI has it.
template <IdsProfile kIds, uint8_t kProto>
void BM_Pipeline_Ids(benchmark::State& state) {
  Fixture fx(false, kFlows, Groups::kDefault, kProto, kIds);
  std::vector<uint32_t> seq(fx.frames.size(), 1000);
  auto advance = [&](Fixture& f) {
    if (kProto != 6) return;
    size_t flow = (f.next + f.frames.size() - kBurstSize) % f.frames.size();
    for (uint16_t i = 0; i < kBurstSize; ++i, flow = (flow + 1) % f.frames.size()) {
      uint8_t* s = f.burst.frames[i].data + 14 + 20 + 4;
      const uint32_t v = seq[flow] += 6;
      s[0] = static_cast<uint8_t>(v >> 24), s[1] = static_cast<uint8_t>(v >> 16), s[2] = static_cast<uint8_t>(v >> 8),
      s[3] = static_cast<uint8_t>(v);
      // A right checksum (a wrong one keeps the segment out of the stream).
      uint8_t* ip = f.burst.frames[i].data + 14;
      uint8_t* tcp = ip + 20;
      const uint32_t len = (ip[2] << 8 | ip[3]) - 20u;
      tcp[16] = tcp[17] = 0;
      const uint8_t pseudo[4] = {0, 6, static_cast<uint8_t>(len >> 8), static_cast<uint8_t>(len)};
      const uint16_t c = checksum_finish(checksum_partial(tcp, len, checksum_partial(pseudo, 4, checksum_partial(ip + 12, 8)))).host();
      tcp[16] = static_cast<uint8_t>(c >> 8), tcp[17] = static_cast<uint8_t>(c);
    }
  };
  time_on(state, fx, advance, whole_pipeline);
  fx.load();
  advance(fx);
  whole_pipeline(fx);
  int forwarded = 0;
  for (const Verdict& v : fx.burst.verdict) forwarded += v.action == Action::kForward;
  state.counters["forwarded"] = forwarded / static_cast<double>(kBurstSize);
  state.counters["bad_checksum"] = static_cast<double>(fx.scratch.ids->counters.bad_checksum.get());
  state.counters["inspected/pkt"] =
      static_cast<double>(fx.scratch.ids->counters.packets_inspected.get()) / ((state.iterations() + 1) * kBurstSize + kFlows);
}
BENCHMARK(BM_Pipeline_Ids<IdsProfile::kNone, 17>)->Name("BM_Pipeline_IdsOff_Udp10K");
BENCHMARK(BM_Pipeline_Ids<IdsProfile::kThirdEni, 17>)->Name("BM_Pipeline_IdsThirdEniOff_Udp10K");
BENCHMARK(BM_Pipeline_Ids<IdsProfile::kOtherEni, 17>)->Name("BM_Pipeline_IdsOtherEni_Udp10K");
BENCHMARK(BM_Pipeline_Ids<IdsProfile::kDetect, 17>)->Name("BM_Pipeline_IdsDetect_Udp10K");
BENCHMARK(BM_Pipeline_Ids<IdsProfile::kPrevent, 17>)->Name("BM_Pipeline_IdsPrevent_Udp10K");
BENCHMARK(BM_Pipeline_Ids<IdsProfile::kNone, 6>)->Name("BM_Pipeline_IdsOff_Tcp10K");
BENCHMARK(BM_Pipeline_Ids<IdsProfile::kThirdEni, 6>)->Name("BM_Pipeline_IdsThirdEniOff_Tcp10K");
BENCHMARK(BM_Pipeline_Ids<IdsProfile::kOtherEni, 6>)->Name("BM_Pipeline_IdsOtherEni_Tcp10K");
BENCHMARK(BM_Pipeline_Ids<IdsProfile::kDetect, 6>)->Name("BM_Pipeline_IdsDetect_Tcp10K");
BENCHMARK(BM_Pipeline_Ids<IdsProfile::kPrevent, 6>)->Name("BM_Pipeline_IdsPrevent_Tcp10K");

// Per-ENI allowances on vm1 (pps and bandwidth out, high enough never to
// be exceeded) and vm2 (pps and bandwidth in): every packet spends tokens of
// four buckets, from the worker's cache, beside the same without limits.
void BM_Pipeline_Allowances_Tracked10K(benchmark::State& state) {
  Fixture fx(false, kFlows, Groups::kDefault, 17, IdsProfile::kNone, true);
  // 2 µs a burst (16 Mpps): the buckets refill faster than they are spent.
  time_on(state, fx, [](Fixture& f) { f.scratch.ctx.now += 2000; }, whole_pipeline);
  fx.load();
  whole_pipeline(fx);
  int forwarded = 0;
  for (const Verdict& v : fx.burst.verdict) forwarded += v.action == Action::kForward;
  state.counters["forwarded"] = forwarded / static_cast<double>(kBurstSize);
}
BENCHMARK(BM_Pipeline_Allowances_Tracked10K);

// All-open groups both ways: untracked, the pipeline without table work (the
// baseline beside the tracked figures).
void BM_Pipeline_Untracked(benchmark::State& state) {
  Fixture fx(false, kFlows, Groups::kAllOpen);
  time_on(state, fx, [](Fixture&) {}, whole_pipeline);
}
BENCHMARK(BM_Pipeline_Untracked);

// Elastic IP egress: vm1 to 10K flows on the internet, 1:1 NAT to its public
// address and the gateway's L2 header; tracked in vm1's zone (the default
// group) or untracked (all open). Beside BM_Pipeline_Tracked10K and
// BM_Pipeline_Untracked (local, two zones, no translation).
template <Groups G>
void BM_Pipeline_InternetEgress(benchmark::State& state) {
  Fixture fx(false, kFlows, G, 17, IdsProfile::kNone, false, true);
  time_on(state, fx, [](Fixture&) {}, whole_pipeline);
  uint32_t to_internet = 0;
  for (const Verdict& v : fx.burst.verdict) to_internet += v.action == Action::kForward && v.out_eni == kInternetEni;
  state.counters["to_internet"] = to_internet / static_cast<double>(kBurstSize);
}
BENCHMARK(BM_Pipeline_InternetEgress<Groups::kDefault>)->Name("BM_Pipeline_InternetEgress_Tracked10K");
BENCHMARK(BM_Pipeline_InternetEgress<Groups::kAllOpen>)->Name("BM_Pipeline_InternetEgress_Untracked");

// The translation alone: the internet egress stage (NAT + the gateway's L2
// header) on internet-bound packets, against the L2 rewrite stage on local
// ones — what each last stage costs a packet.
void BM_Stage_InternetEgressNat(benchmark::State& state) {
  Fixture fx(false, kFlows, Groups::kAllOpen, 17, IdsProfile::kNone, false, true);
  time_on(
      state, fx,
      up_to_route,
      [](Fixture& fx) { internet_egress_stage(fx.burst, *fx.snap); });
}
BENCHMARK(BM_Stage_InternetEgressNat);

void BM_Stage_L2RewriteLocal(benchmark::State& state) {
  Fixture fx(false, kFlows, Groups::kAllOpen);
  time_on(
      state, fx,
      up_to_route,
      [](Fixture& fx) { l2_rewrite_stage(fx.burst, *fx.snap); });
}
BENCHMARK(BM_Stage_L2RewriteLocal);

// A storm of new connections: every packet a new UDP flow (fresh ports per
// burst), classified by both ENIs' groups and admitted in both zones, with
// the clock moving 50 ms per burst and aging run per burst (timed), so
// entries expire at the rate they arrive (UDP unreplied: 30 s, i.e. ~19K
// connections live in each zone, within the table).
template <Groups kGroups>
void BM_Pipeline_NewConnections(benchmark::State& state) {
  Fixture fx(false, kFlows, kGroups);
  fx.scratch.ctx.now = 1;
  uint32_t serial = 0;
  uint64_t cycles = 0, admitted = 0, packets = 0;
  for (auto _ : state) {
    fx.load();
    for (uint16_t i = 0; i < kBurstSize; ++i) {  // fresh (source port, destination port) pairs
      uint8_t* udp = fx.burst.frames[i].data + 14 + 20;
      const uint32_t x = ++serial;
      udp[0] = static_cast<uint8_t>(x >> 8);
      udp[1] = static_cast<uint8_t>(x);
      udp[2] = static_cast<uint8_t>(x >> 24 | 0x40);
      udp[3] = static_cast<uint8_t>(x >> 16);
    }
    fx.scratch.ctx.now += 50000000;
    uint64_t t0 = __rdtsc();
    run_pipeline(fx.burst, *fx.snap, fx.scratch.ctx);
    fx.scratch.flows->age(fx.scratch.ctx.now, 64);
    cycles += __rdtsc() - t0;
    for (uint16_t i = 0; i < kBurstSize; ++i) admitted += fx.burst.verdict[i].ct[1] == CtNote::kNew;
    packets += kBurstSize;
  }
  report(state, cycles);
  state.counters["admitted"] = benchmark::Counter(static_cast<double>(admitted) / static_cast<double>(packets));
}
// vm2 admits from its group's members (a set rule), then the same peer by CIDR.
BENCHMARK(BM_Pipeline_NewConnections<Groups::kDefault>)->Name("BM_Pipeline_NewConnections");
BENCHMARK(BM_Pipeline_NewConnections<Groups::kCidrPeer>)->Name("BM_Pipeline_NewConnectionsCidrPeer");

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
