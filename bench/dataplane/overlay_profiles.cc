// Overlay profiles of the pipeline benchmark (linked into pipeline_bench):
// the whole run_pipeline on prebuilt bursts of 64-byte IPv4/UDP inner frames
// over 10,000 flows to 1,000 remote VMs (one mapping each, on 16 hosts):
//  * egress: VM -> encapsulated to the peer's host (VXLAN over an IPv4
//    underlay, zero UDP checksum; over an IPv6 underlay, software checksum);
//  * ingress: VXLAN from the peer's host -> decapsulated, validated (VNI,
//    inner parse, local ENI, outer source = owner of the inner source),
//    delivered to the VM;
// beside the same configuration's local ENI-to-ENI forwarding (no encap) and
// the copy-only baseline, so the cost of the overlay reads as a difference.
// Every ENI and mapping is in one all-open security group, so connection
// tracking leaves these flows untracked (AWS) in all profiles alike.
#include <benchmark/benchmark.h>

#include <x86intrin.h>

#include <cstring>

#include "control/compile.h"
#include "control/config_file.h"
#include "control/model.h"
#include "control/overlay_state.h"
#include "bench/dataplane/load_burst.h"
#include "dataplane/pipeline.h"
#include "encap/encap_template.h"
#include "encap/flow_hash.h"
#include "packet/parser.h"
#include "tests/packet/frames.h"

namespace vfpath {
namespace {

using test::Bytes;

constexpr int kFlows = 10000, kRemoteVms = 1000, kHosts = 16;
constexpr uint16_t kHeadroom = 128, kRoom = 320;
constexpr uint16_t kPortA = 0, kPortB = 1, kPortU = 2;

std::string host(bool v6, int h) { return v6 ? "fd00:ff::" + std::to_string(h + 2) : "192.168.100." + std::to_string(h + 2); }
std::string remote_vm(int i) { return "10.0." + std::to_string(3 + i / 250) + "." + std::to_string(1 + i % 250); }

std::string config(bool v6) {
  std::string mappings;
  for (int i = 0; i < kRemoteVms; ++i)
    mappings += std::string(i ? "," : "") + R"({"vpc": "vpc-1", "ip": ")" + remote_vm(i) + R"(", "underlay_ip": ")" +
                host(v6, i % kHosts) + R"(", "mac": "02:00:00:00:03:0a"})";
  return std::string(R"({"generation": 1,
  "ports": [{"name": "a", "devargs": "net_null0", "role": "ENI"}, {"name": "b", "devargs": "net_null1", "role": "ENI"},
            {"name": "u", "devargs": "net_null2", "role": "UPLINK"}],
  "vpcs": [{"id": "vpc-1", "cidrs": ["10.0.0.0/16"], "vni": 100}],
  "subnets": [{"id": "sn-1", "vpc": "vpc-1", "ipv4_cidr": "10.0.1.0/24"}, {"id": "sn-2", "vpc": "vpc-1", "ipv4_cidr": "10.0.2.0/24"}],
  "security_groups": [{"id": "open", "vpc": "vpc-1", "ingress": [{"protocol": "-1", "cidrs": ["0.0.0.0/0"]}],
                       "egress": [{"protocol": "-1", "cidrs": ["0.0.0.0/0"]}]}],
  "enis": [{"id": "vm1", "port": "a", "mac": "02:00:00:00:01:0a", "subnet": "sn-1", "ipv4": ["10.0.1.10"], "security_groups": ["open"]},
           {"id": "vm2", "port": "b", "mac": "02:00:00:00:02:0a", "subnet": "sn-2", "ipv4": ["10.0.2.10", "10.0.2.11", "10.0.2.12", "10.0.2.13"], "security_groups": ["open"]}],
  "underlay": {"port": "u", )") + (v6 ? R"("ipv6": "fd00:ff::1")" : R"("ipv4": "192.168.100.1")") +
         R"(, "next_hop_mac": "02:00:00:00:ff:01"},
  "mappings": [)" + mappings + "]}";
}

enum class Profile { kLocal, kEgress, kIngress };

struct Fixture {
  control::OverlayState overlay{4 * kRemoteVms};
  std::unique_ptr<Snapshot> snap;
  std::vector<Bytes> frames;
  std::vector<uint8_t> buf = std::vector<uint8_t>(kBurstSize * kRoom);
  Burst burst;
  ScratchContext scratch{1u << 16};
  size_t next = 0;
  uint16_t port = kPortA;

  Fixture(Profile p, bool v6) {
    auto c = control::parse_config_json(config(v6), "bench");
    auto plan = overlay.plan(control::build_model(c).model);
    snap = control::compile_snapshot(c, {{"a", kPortA}, {"b", kPortB}, {"u", kPortU}}, plan.binding);
    overlay.apply(std::move(plan));
    // The peer's own template, to build what it sends us.
    encap::EncapSpec spec;
    spec.local = v6 ? encap::UnderlayIp::v6(Ipv6Addr::from(test::ip6(host(true, 0)).data()))
                    : encap::UnderlayIp::v4(Ipv4Addr{be32::from_raw(0)});
    if (!v6) std::memcpy(spec.local.addr.bytes, test::ip4(host(false, 0)).data(), 4);
    spec.vni = 100;
    spec.udp_checksum = v6 ? encap::UdpChecksumMode::kSoftware : encap::UdpChecksumMode::kZero;
    const auto peer_template = encap::EncapTemplate::build(spec);
    encap::UnderlayIp us = v6 ? encap::UnderlayIp::v6(Ipv6Addr::from(test::ip6("fd00:ff::1").data()))
                              : encap::UnderlayIp::v4(Ipv4Addr{be32::from_raw(0)});
    if (!v6) std::memcpy(us.addr.bytes, test::ip4("192.168.100.1").data(), 4);
    port = p == Profile::kIngress ? kPortU : kPortA;
    for (int f = 0; f < kFlows; ++f) {
      // Ingress flows all come from host 0's VMs (i % kHosts == 0), so the outer source owns the inner one.
      const std::string remote = remote_vm(p == Profile::kIngress ? (f % (kRemoteVms / kHosts)) * kHosts : f % kRemoteVms);
      const std::string local = "10.0.2.1" + std::to_string(f % 4);
      const uint16_t sport = static_cast<uint16_t>(1024 + f / 4);
      Bytes frame;
      if (p == Profile::kIngress) {
        Bytes inner = test::eth(test::kRouterMac, "02:00:00:00:03:0a", 0x0800,
                                test::ipv4(remote, "10.0.2.10", 17, test::udp(sport, 80, Bytes(18)), {.ttl = 63}));
        inner.resize(60, 0);
        std::vector<uint8_t> room(kRoom);
        std::memcpy(room.data() + kHeadroom, inner.data(), inner.size());
        Frame fr{room.data() + kHeadroom, static_cast<uint16_t>(inner.size()), kHeadroom, 0,
                 static_cast<uint32_t>(inner.size())};
        PacketMeta m;
        parse_frame(fr.data, fr.len, m);
        if (!encap::encapsulate(fr, *peer_template, us, encap::inner_flow_hash(m))) std::abort();
        frame.assign(fr.data, fr.data + fr.len);
      } else {
        frame = test::eth(test::kRouterMac, test::kVm1Mac, 0x0800,
                          test::ipv4("10.0.1.10", p == Profile::kEgress ? remote : local, 17,
                                     test::udp(sport, 80, Bytes(18))));
        frame.resize(60, 0);
      }
      frames.push_back(std::move(frame));
    }
  }

  void load() { load_burst(burst, port, frames, next, buf.data(), kRoom, kHeadroom); }
};

// Times run_pipeline only; aborts if a packet is not forwarded (a broken
// profile must not produce a figure).
void run(benchmark::State& state, Profile p, bool v6) {
  Fixture fx(p, v6);
  uint64_t cycles = 0;
  for (auto _ : state) {
    fx.load();
    uint64_t t0 = __rdtsc();
    run_pipeline(fx.burst, *fx.snap, fx.scratch.ctx);
    cycles += __rdtsc() - t0;
    benchmark::DoNotOptimize(fx.burst.verdict);
  }
  for (uint16_t i = 0; i < fx.burst.count; ++i)
    if (fx.burst.verdict[i].action != Action::kForward) {
      state.SkipWithError(("not forwarded: " + std::string(drop_reason_name(fx.burst.verdict[i].drop))).c_str());
      return;
    }
  state.SetItemsProcessed(state.iterations() * kBurstSize);
  state.counters["cycles/pkt"] = benchmark::Counter(static_cast<double>(cycles) / (state.iterations() * kBurstSize));
}

void BM_Overlay_LocalForwardBaseline(benchmark::State& s) { run(s, Profile::kLocal, false); }
void BM_Overlay_EgressEncap_Ipv4Underlay(benchmark::State& s) { run(s, Profile::kEgress, false); }
void BM_Overlay_EgressEncap_Ipv6Underlay(benchmark::State& s) { run(s, Profile::kEgress, true); }
void BM_Overlay_IngressDecap_Ipv4Underlay(benchmark::State& s) { run(s, Profile::kIngress, false); }
void BM_Overlay_IngressDecap_Ipv6Underlay(benchmark::State& s) { run(s, Profile::kIngress, true); }
BENCHMARK(BM_Overlay_LocalForwardBaseline);
BENCHMARK(BM_Overlay_EgressEncap_Ipv4Underlay);
BENCHMARK(BM_Overlay_EgressEncap_Ipv6Underlay);
BENCHMARK(BM_Overlay_IngressDecap_Ipv4Underlay);
BENCHMARK(BM_Overlay_IngressDecap_Ipv6Underlay);

}  // namespace
}  // namespace vfpath
