// Cost per packet of the overlay core on prebuilt bursts, no I/O: encap and
// decap+validate for VXLAN and Geneve over IPv4 and IPv6 underlays, the
// mapping lookup, each with its baseline beside it:
//  * encap: a plain memcpy of the same header bytes into the headroom (what
//    any encapsulation must at least do);
//  * decap: parse_frame of the inner frame alone (the one unavoidable part of
//    validation) and of the outer frame (done by the pipeline's parse stage
//    anyway, so not part of decap's figure);
//  * mapping lookup: std::unordered_map on the same keys.
// Bursts of 32 packets over 10,000 inner flows, 64-byte inner frames.
// "cycles" is CPU time per packet in TSC ticks (the TSC runs at the nominal
// clock).
#include <benchmark/benchmark.h>

#include <x86intrin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <random>
#include <unordered_map>

#include "encap/decap.h"
#include "encap/encap_template.h"
#include "encap/flow_hash.h"
#include "encap/mapping_table.h"
#include "tests/encap/buffers.h"

namespace vfpath::encap {
namespace {

using test::Bytes;

constexpr int kFlows = 10000;
constexpr int kBurst = 32;
constexpr uint16_t kHeadroom = 128, kRoom = 512;

Ipv4Addr flow_src(int f) { return Ipv4Addr::from_host(0x0a020000u + static_cast<uint32_t>(f)); }  // 10.2.x.y

// The flows in a fixed random order, so that table lookups do not follow the
// tables' memory order (which would flatter std::unordered_map, whose hash of
// an integer is the identity).
const std::vector<int>& flow_order() {
  static const std::vector<int> order = [] {
    std::vector<int> o(kFlows);
    std::iota(o.begin(), o.end(), 0);
    std::shuffle(o.begin(), o.end(), std::mt19937(42));
    return o;
  }();
  return order;
}

// 64-byte inner frames on the wire (60 bytes here: the FCS is not in the
// buffer), one per flow, 10.2.x.y:1000+f -> 10.0.1.10:80, flows in random
// order: buffers are walked in memory order as an rx ring would be, the table
// lookups land at random as arriving traffic would.
std::vector<Bytes> inner_frames() {
  std::vector<Bytes> out;
  for (int f : flow_order()) {
    Ipv4Addr src = flow_src(f);
    Bytes s(4);
    std::memcpy(s.data(), &src, 4);
    char text[16];
    std::snprintf(text, sizeof text, "%u.%u.%u.%u", s[0], s[1], s[2], s[3]);
    Bytes p = test::eth(test::kRouterMac, "02:00:00:00:0b:0b", 0x0800,
                        test::ipv4(text, "10.0.1.10", 17, test::udp(static_cast<uint16_t>(1000 + f % 50000), 80, Bytes(18))));
    p.resize(60, 0);
    out.push_back(std::move(p));
  }
  return out;
}

EncapSpec spec(TunnelType type, bool v6, UdpChecksumMode mode, uint16_t option_bytes) {
  EncapSpec s{.type = type,
              .local = v6 ? UnderlayIp::v6(test::v6addr("2001:db8::2")) : UnderlayIp::v4(test::v4addr("192.0.2.2")),
              .local_mac = test::mac_addr("02:00:00:00:00:02"),
              .next_hop_mac = test::mac_addr("02:00:00:00:00:01"),
              .vni = 100,
              .udp_checksum = mode};
  if (option_bytes) s.geneve_options = {{.option_class = 0x0102, .type = 1, .data = Bytes(option_bytes - 4, 7)}};
  return s;
}
UnderlayIp peer(bool v6) {
  return v6 ? UnderlayIp::v6(test::v6addr("2001:db8::1")) : UnderlayIp::v4(test::v4addr("192.0.2.1"));
}

// Buffers holding the inner frames of one burst after another.
struct Frames {
  std::vector<uint8_t> mem;
  std::vector<Frame> frames;
  std::vector<PacketMeta> metas;
  Frames(const std::vector<Bytes>& src) : mem(src.size() * kRoom) {
    for (size_t i = 0; i < src.size(); ++i) {
      uint8_t* at = mem.data() + i * kRoom + kHeadroom;
      std::memcpy(at, src[i].data(), src[i].size());
      Frame f{at, static_cast<uint16_t>(src[i].size()), kHeadroom,
              static_cast<uint16_t>(kRoom - kHeadroom - src[i].size()), static_cast<uint32_t>(src[i].size())};
      frames.push_back(f);
      PacketMeta m;
      parse_frame(f.data, f.len, m);
      metas.push_back(m);
    }
  }
};

// TSC ticks per second, measured once against the steady clock.
double tsc_hz() {
  static const double hz = [] {
    auto t0 = std::chrono::steady_clock::now();
    uint64_t c0 = __rdtsc();
    while (std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(50)) {
    }
    uint64_t c1 = __rdtsc();
    return static_cast<double>(c1 - c0) / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }();
  return hz;
}

// "cycles": CPU time per packet in TSC ticks (CPU time, not wall time, so
// that preemption by other jobs on this shared machine does not count).
void report(benchmark::State& state) {
  const double packets = static_cast<double>(state.iterations()) * kBurst;
  state.SetItemsProcessed(static_cast<int64_t>(packets));
  state.counters["cycles"] =
      benchmark::Counter(packets / tsc_hz(), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// Encapsulation of the inner frames (restored by resetting the Frame window:
// encap writes only into the headroom, so the inner bytes stay as built).
void BM_Encap(benchmark::State& state, TunnelType type, bool v6, UdpChecksumMode mode, uint16_t option_bytes) {
  static const std::vector<Bytes> inner = inner_frames();
  Frames fr(inner);
  auto t = EncapTemplate::build(spec(type, v6, mode, option_bytes));
  const UnderlayIp to = peer(v6);
  size_t next = 0;
  for (auto _ : state) {
    for (int i = 0; i < kBurst; ++i) {
      Frame f = fr.frames[next];
      bool ok = encapsulate(f, *t, to, inner_flow_hash(fr.metas[next]));
      benchmark::DoNotOptimize(ok);
      benchmark::DoNotOptimize(f.data);
      next = next + 1 == fr.frames.size() ? 0 : next + 1;
    }
  }
  report(state);
}

// Baseline: copying the same header bytes in front of the same frames.
void BM_EncapBaselineMemcpy(benchmark::State& state, bool v6, uint16_t option_bytes) {
  static const std::vector<Bytes> inner = inner_frames();
  Frames fr(inner);
  auto t = EncapTemplate::build(spec(option_bytes ? TunnelType::kGeneve : TunnelType::kVxlan, v6,
                                     UdpChecksumMode::kSoftware, option_bytes));
  const auto hdr = t->bytes();
  size_t next = 0;
  for (auto _ : state) {
    for (int i = 0; i < kBurst; ++i) {
      Frame f = fr.frames[next];
      std::memcpy(f.data - hdr.size(), hdr.data(), hdr.size());
      benchmark::DoNotOptimize(f.data);
      benchmark::ClobberMemory();
      next = next + 1 == fr.frames.size() ? 0 : next + 1;
    }
  }
  report(state);
}

// The receiving side: frames encapsulated by host B (192.0.2.2 / 2001:db8::2)
// to us, the mapping table holding every flow's source at host B.
struct DecapWorld {
  std::vector<Bytes> frames;
  std::vector<PacketMeta> outer;
  DecapConfig cfg;
  VniMap vnis;
  MappingTable table{kFlows, 4};  // sized for its 10,000 entries: 32K slots, 2 MiB

  DecapWorld(TunnelType type, bool v6, uint16_t option_bytes) {
    static const std::vector<Bytes> inner = inner_frames();
    Frames fr(inner);
    auto t = EncapTemplate::build(spec(type, v6, UdpChecksumMode::kSoftware, option_bytes));
    for (size_t i = 0; i < fr.frames.size(); ++i) {
      Frame f = fr.frames[i];
      encapsulate(f, *t, peer(v6), inner_flow_hash(fr.metas[i]));
      frames.emplace_back(f.data, f.data + f.len);
      PacketMeta m;
      parse_frame(f.data, f.len, m);
      outer.push_back(m);
    }
    cfg.local_v4 = test::v4addr("192.0.2.1");
    cfg.local_v6 = test::v6addr("2001:db8::1");
    cfg.has_v4 = cfg.has_v6 = true;
    vnis.add(100, 1);
    const Mapping host_b{v6 ? UnderlayIp::v6(test::v6addr("2001:db8::2")) : UnderlayIp::v4(test::v4addr("192.0.2.2")),
                         test::mac_addr("02:00:00:00:0b:0b")};
    for (int f = 0; f < kFlows; ++f) table.put_host(1, OverlayAddr::v4(flow_src(f)), host_b);
  }
};

const Ipv4Addr kLocalEni = test::v4addr("10.0.1.10");

void BM_Decap(benchmark::State& state, TunnelType type, bool v6, uint16_t option_bytes) {
  DecapWorld w(type, v6, option_bytes);
  auto is_local = [](uint16_t vpc, const PacketMeta& m) { return vpc == 1 && m.dst4() == kLocalEni; };
  size_t next = 0;
  uint64_t bad = 0;
  for (auto _ : state) {
    for (int i = 0; i < kBurst; ++i) {
      const size_t k = next;
      Bytes& b = w.frames[k];
      Frame f{b.data(), static_cast<uint16_t>(b.size()), 0, 0, static_cast<uint32_t>(b.size())};
      PacketMeta inner;
      DecapResult r = decapsulate(f, w.outer[k], w.cfg, w.vnis, w.table, is_local, inner);
      bad += r.error != DropReason::kNone;
      benchmark::DoNotOptimize(r);
      next = next + 1 == w.frames.size() ? 0 : next + 1;
    }
  }
  if (bad) state.SkipWithError("a frame failed to decapsulate");
  report(state);
}

// Baselines: parsing the inner frame alone, and the outer frame alone.
void BM_DecapBaselineParse(benchmark::State& state, bool outer_frame) {
  DecapWorld w(TunnelType::kVxlan, false, 0);
  size_t next = 0;
  for (auto _ : state) {
    for (int i = 0; i < kBurst; ++i) {
      const Bytes& b = w.frames[next];
      const uint32_t off = outer_frame ? 0 : 50;
      PacketMeta m;
      benchmark::DoNotOptimize(parse_frame(b.data() + off, static_cast<uint32_t>(b.size() - off), m));
      benchmark::DoNotOptimize(m);
      next = next + 1 == w.frames.size() ? 0 : next + 1;
    }
  }
  report(state);
}

// Mapping lookups over state.range(0) host entries: inserted in address
// order, looked up in random order (so that neither table is walked in the
// order its memory was allocated in).
std::vector<OverlayAddr> insert_keys(int n) {
  std::vector<OverlayAddr> keys;
  for (int i = 0; i < n; ++i) keys.push_back(OverlayAddr::v4(Ipv4Addr::from_host(0x0a000000u + static_cast<uint32_t>(i))));
  return keys;
}
std::vector<OverlayAddr> lookup_keys(int n) {
  std::vector<OverlayAddr> keys = insert_keys(n);
  std::shuffle(keys.begin(), keys.end(), std::mt19937(42));
  return keys;
}

void BM_MappingFind(benchmark::State& state, bool prefetch) {
  const int n = static_cast<int>(state.range(0));
  MappingTable table(static_cast<uint32_t>(n), 4);
  const std::vector<OverlayAddr> keys = lookup_keys(n);
  for (const auto& k : insert_keys(n)) table.put_host(1, k, Mapping{UnderlayIp::v4(test::v4addr("192.0.2.2")), {}});
  size_t next = 0;
  uint64_t misses = 0;
  for (auto _ : state) {
    if (prefetch)
      for (int i = 0; i < kBurst; ++i) table.prefetch(1, keys[(next + i) % keys.size()]);
    for (int i = 0; i < kBurst; ++i) {
      Mapping m;
      misses += !table.find(1, keys[next], m);
      benchmark::DoNotOptimize(m);
      next = next + 1 == keys.size() ? 0 : next + 1;
    }
  }
  if (misses) state.SkipWithError("a lookup missed");
  report(state);
}

void BM_MappingFindBaselineUnorderedMap(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  std::unordered_map<uint64_t, Mapping> map;
  const std::vector<OverlayAddr> keys = lookup_keys(n);
  for (const auto& k : insert_keys(n)) map[uint64_t{1} << 32 | k.addr.words[0]] = Mapping{};
  size_t next = 0;
  for (auto _ : state) {
    for (int i = 0; i < kBurst; ++i) {
      auto it = map.find(uint64_t{1} << 32 | keys[next].addr.words[0]);
      benchmark::DoNotOptimize(it);
      next = next + 1 == keys.size() ? 0 : next + 1;
    }
  }
  report(state);
}

using M = UdpChecksumMode;
using T = TunnelType;
BENCHMARK_CAPTURE(BM_EncapBaselineMemcpy, ipv4_50B, false, 0);
BENCHMARK_CAPTURE(BM_Encap, vxlan_ipv4_csum_zero, T::kVxlan, false, M::kZero, 0);
BENCHMARK_CAPTURE(BM_Encap, vxlan_ipv4_csum_offload, T::kVxlan, false, M::kOffload, 0);
BENCHMARK_CAPTURE(BM_Encap, vxlan_ipv4_csum_software, T::kVxlan, false, M::kSoftware, 0);
BENCHMARK_CAPTURE(BM_Encap, geneve_ipv4_csum_zero, T::kGeneve, false, M::kZero, 0);
BENCHMARK_CAPTURE(BM_EncapBaselineMemcpy, ipv6_70B, true, 0);
BENCHMARK_CAPTURE(BM_Encap, vxlan_ipv6_csum_offload, T::kVxlan, true, M::kOffload, 0);
BENCHMARK_CAPTURE(BM_Encap, vxlan_ipv6_csum_software, T::kVxlan, true, M::kSoftware, 0);
BENCHMARK_CAPTURE(BM_EncapBaselineMemcpy, ipv6_geneve_16B_options, true, 16);
BENCHMARK_CAPTURE(BM_Encap, geneve_ipv6_16B_options_csum_software, T::kGeneve, true, M::kSoftware, 16);
BENCHMARK_CAPTURE(BM_DecapBaselineParse, inner_frame_only, false);
BENCHMARK_CAPTURE(BM_DecapBaselineParse, outer_frame_only, true);
BENCHMARK_CAPTURE(BM_Decap, vxlan_ipv4, T::kVxlan, false, 0);
BENCHMARK_CAPTURE(BM_Decap, geneve_ipv4, T::kGeneve, false, 0);
BENCHMARK_CAPTURE(BM_Decap, vxlan_ipv6, T::kVxlan, true, 0);
BENCHMARK_CAPTURE(BM_Decap, geneve_ipv6_16B_options, T::kGeneve, true, 16);
BENCHMARK(BM_MappingFindBaselineUnorderedMap)->Arg(1000)->Arg(10000)->Arg(100000);
BENCHMARK_CAPTURE(BM_MappingFind, one_by_one, false)->Arg(1000)->Arg(10000)->Arg(100000);
BENCHMARK_CAPTURE(BM_MappingFind, burst_prefetched, true)->Arg(10000)->Arg(100000);

}  // namespace
}  // namespace vfpath::encap

BENCHMARK_MAIN();
