// Decapsulation and validation: a table of built frames, each case with the
// reason it must get and what it proves; every cut of a valid frame; real
// captures from other implementations; and encap -> decap round trips.
#include "encap/decap.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <optional>
#include <random>

#include "encap/flow_hash.h"
#include "tests/encap/buffers.h"
#include "tests/encap/pcap_file.h"

namespace vfpath::encap {
namespace {

using test::Buffer;
using test::Bytes;
using test::append;
using test::put16;
using test::put32;

// --- the world of the table ---------------------------------------------------
// This host: underlay 192.0.2.1 / 2001:db8::1. Host B 192.0.2.2 owns 10.0.2.10
// in VPC 1 (VNI 100); the gateway host 192.0.2.9 is VPC 1's default route.
// Local ENIs: 10.0.1.10 and fd00::10 in VPC 1, 10.3.0.10 in VPC 3 (VNI 300, no
// routes). VPC 2 (VNI 200) reuses 10.0.2.10, owned there by host 192.0.2.3.
constexpr uint32_t kVni1 = 100, kVni2 = 200, kVni3 = 300;

Bytes vxlan(uint32_t vni, uint8_t flags = 0x08, uint8_t reserved = 0) {
  Bytes b{flags, reserved, reserved, reserved};
  put32(b, vni << 8 | reserved);
  return b;
}

struct GeneveOpts {
  uint8_t version = 0;
  uint8_t flags = 0;
  uint16_t protocol = 0x6558;
  Bytes options;
  int opt_len_words = -1;  // override
};
Bytes geneve(uint32_t vni, const GeneveOpts& o = {}) {
  int words = o.opt_len_words >= 0 ? o.opt_len_words : static_cast<int>(o.options.size() / 4);
  Bytes b{static_cast<uint8_t>(o.version << 6 | words), o.flags};
  put16(b, o.protocol);
  put32(b, vni << 8);
  append(b, o.options);
  return b;
}
Bytes option(uint16_t cls, uint8_t type, const Bytes& data, int length_words = -1) {
  Bytes b;
  put16(b, cls);
  b.push_back(type);
  b.push_back(static_cast<uint8_t>(length_words >= 0 ? length_words : static_cast<int>(data.size() / 4)));
  append(b, data);
  return b;
}

Bytes inner4(const std::string& src, const std::string& dst) {
  return test::eth(test::kRouterMac, "02:00:00:00:0b:0b", 0x0800,
                   test::ipv4(src, dst, 17, test::udp(4000, 53, Bytes(12, 1))));
}
Bytes inner6(const std::string& src, const std::string& dst) {
  return test::eth(test::kRouterMac, "02:00:00:00:0b:0b", 0x86dd,
                   test::ipv6(src, dst, 17, test::udp(4000, 53, Bytes(12, 1))));
}
const Bytes kInner = inner4("10.0.2.10", "10.0.1.10");
const Bytes kInner6 = inner6("fd00::20", "fd00::10");  // from host B's IPv6 underlay

// Outer Ethernet/IPv4/UDP around `tunnel_and_inner`.
Bytes outer4(const Bytes& payload, uint16_t dport = 4789, const std::string& src = "192.0.2.2",
             const std::string& dst = "192.0.2.1", test::Ip4Opts ip = {.frag = 0x4000}) {
  return test::eth("02:00:00:00:00:01", "02:00:00:00:00:02", 0x0800,
                   test::ipv4(src, dst, 17, test::udp(50000, dport, payload), ip));
}
// Outer IPv6 with a correct UDP checksum (or zero with `zero_checksum`).
Bytes outer6(const Bytes& payload, bool zero_checksum = false, uint16_t dport = 4789) {
  Bytes u = test::udp(50000, dport, payload);
  if (!zero_checksum) {
    be16 c = ipv6_l4_checksum(test::ip6("2001:db8::2").data(), test::ip6("2001:db8::1").data(), 17, u.data(),
                              u.size());
    u[6] = static_cast<uint8_t>(c.host() >> 8);
    u[7] = static_cast<uint8_t>(c.host());
  }
  return test::eth("02:00:00:00:00:01", "02:00:00:00:00:02", 0x86dd,
                   test::ipv6("2001:db8::2", "2001:db8::1", 17, u));
}
Bytes cat(Bytes a, const Bytes& b) {
  append(a, b);
  return a;
}

struct World {
  DecapConfig cfg;
  VniMap vnis;
  MappingTable table{1024, 16};

  World() {
    cfg.local_v4 = test::v4addr("192.0.2.1");
    cfg.local_v6 = test::v6addr("2001:db8::1");
    cfg.has_v4 = cfg.has_v6 = true;
    vnis.add(kVni1, 1);
    vnis.add(kVni2, 2);
    vnis.add(kVni3, 3);
    host(1, "10.0.2.10", "192.0.2.2");
    host(1, "10.0.1.10", "192.0.2.1");
    host(2, "10.0.2.10", "192.0.2.3");
    host(3, "10.3.0.10", "192.0.2.1");
    Mapping b6{UnderlayIp::v6(test::v6addr("2001:db8::2")), test::mac_addr("02:00:00:00:0b:0b")};
    table.put_host(1, OverlayAddr::v6(test::v6addr("fd00::20")), b6);
    Mapping gw{UnderlayIp::v4(test::v4addr("192.0.2.9")), test::mac_addr("02:00:00:00:09:09")};
    table.put(1, OverlayAddr::v4(test::v4addr("0.0.0.0")), 0, gw);
  }
  void host(uint16_t vpc, const std::string& overlay, const std::string& underlay) {
    table.put_host(vpc, OverlayAddr::v4(test::v4addr(overlay)),
                   Mapping{UnderlayIp::v4(test::v4addr(underlay)), test::mac_addr("02:00:00:00:0b:0b")});
  }
  static bool is_local(uint16_t vpc, const PacketMeta& m) {
    if (m.kind == PacketKind::kIpv6) return vpc == 1 && m.dst6() == test::v6addr("fd00::10");
    return (vpc == 1 && m.dst4() == test::v4addr("10.0.1.10")) || (vpc == 3 && m.dst4() == test::v4addr("10.3.0.10"));
  }
  DecapResult run(const Bytes& frame, PacketMeta* inner_out = nullptr) const {
    // An exact-size copy, so a sanitizer build catches any read past the end.
    std::vector<uint8_t> exact(frame);
    Frame f{exact.data(), static_cast<uint16_t>(exact.size()), 0, 0, static_cast<uint32_t>(exact.size())};
    PacketMeta outer, inner;
    EXPECT_EQ(parse_frame(f.data, f.len, outer), DropReason::kNone) << "the outer frame must parse";
    DecapResult r = decapsulate(f, outer, cfg, vnis, table, is_local, inner);
    if (inner_out) *inner_out = inner;
    return r;
  }
};

struct Case {
  const char* proves;
  Bytes frame;
  DropReason want;
  std::function<void(DecapConfig&)> configure = {};
};

TEST(Decap, ValidationTable) {
  const Bytes opt_noncritical = option(0x0102, 0x01, Bytes(8, 7));
  const Bytes opt_critical = option(0x0102, 0x81, Bytes(4, 7));
  const std::vector<Case> cases = {
      {"VXLAN to our address and port, known VNI, local destination, owned source", outer4(cat(vxlan(kVni1), kInner)),
       DropReason::kNone},
      {"VXLAN reserved flag and field bits are ignored (RFC 7348 §5)",
       outer4(cat(vxlan(kVni1, 0xff, 0x5a), kInner)), DropReason::kNone},
      {"Geneve with a non-critical option is accepted, the option skipped",
       outer4(cat(geneve(kVni1, {.options = opt_noncritical}), kInner), 6081), DropReason::kNone},
      {"Geneve with a critical option we do not know is dropped (RFC 8926 §3.5)",
       outer4(cat(geneve(kVni1, {.flags = 0x40, .options = opt_critical}), kInner), 6081), DropReason::kBadEncap},
      {"a critical option listed as known is accepted",
       outer4(cat(geneve(kVni1, {.flags = 0x40, .options = opt_critical}), kInner), 6081), DropReason::kNone,
       [](DecapConfig& c) { c.known_critical_options[c.known_critical_count++] = 0x0102u << 8 | 0x81; }},
      {"a critical option is dropped even with the C flag clear",
       outer4(cat(geneve(kVni1, {.options = opt_critical}), kInner), 6081), DropReason::kBadEncap},
      {"VXLAN over IPv6 with a UDP checksum", outer6(cat(vxlan(kVni1), kInner6)), DropReason::kNone},
      {"VXLAN over IPv6 with a zero UDP checksum (RFC 6935 opt-in only)", outer6(cat(vxlan(kVni1), kInner6), true),
       DropReason::kBadEncap},
      {"... unless zero checksums over IPv6 are accepted", outer6(cat(vxlan(kVni1), kInner6), true),
       DropReason::kNone, [](DecapConfig& c) { c.accept_zero_udp6_checksum = true; }},
      {"not addressed to our underlay address", outer4(cat(vxlan(kVni1), kInner), 4789, "192.0.2.2", "192.0.2.77"),
       DropReason::kBadEncap},
      {"an IPv6 underlay we do not have", outer6(cat(vxlan(kVni1), kInner6)), DropReason::kBadEncap,
       [](DecapConfig& c) { c.has_v6 = false; }},
      {"VXLAN on the old Linux port 8472, not configured", outer4(cat(vxlan(kVni1), kInner), 8472),
       DropReason::kBadEncap},
      {"... and accepted once 8472 is the configured port", outer4(cat(vxlan(kVni1), kInner), 8472),
       DropReason::kNone, [](DecapConfig& c) { c.vxlan_port = 8472; }},
      {"VXLAN-GPE's port 4790 is not VXLAN", outer4(cat(vxlan(kVni1, 0x0c), kInner), 4790), DropReason::kBadEncap},
      {"Geneve refused when its port is configured off", outer4(cat(geneve(kVni1), kInner), 6081),
       DropReason::kBadEncap, [](DecapConfig& c) { c.geneve_port = 0; }},
      {"VXLAN without the I flag", outer4(cat(vxlan(kVni1, 0x00), kInner)), DropReason::kBadEncap},
      {"a UDP datagram shorter than the VXLAN header", outer4(Bytes{0x08, 0, 0, 0}), DropReason::kBadEncap},
      {"a UDP datagram shorter than the Geneve header", outer4(Bytes{0, 0, 0x65, 0x58}, 6081),
       DropReason::kBadEncap},
      {"Geneve version 1", outer4(cat(geneve(kVni1, {.version = 1}), kInner), 6081), DropReason::kBadEncap},
      {"Geneve O (control) flag: never forwarded", outer4(cat(geneve(kVni1, {.flags = 0x80}), kInner), 6081),
       DropReason::kBadEncap},
      {"Geneve Opt Len (252 bytes) beyond the datagram",
       outer4(cat(geneve(kVni1, {.opt_len_words = 63}), kInner), 6081), DropReason::kBadEncap},
      {"a Geneve option longer than Opt Len",
       outer4(cat(geneve(kVni1, {.options = option(0x0102, 1, Bytes(4)), .opt_len_words = 1}),
                  cat(Bytes(4), kInner)),
              6081),
       DropReason::kBadEncap},
      {"a Geneve option whose length runs past the options",
       outer4(cat(geneve(kVni1, {.options = option(0x0102, 1, Bytes(4), 5)}), kInner), 6081),
       DropReason::kBadEncap},
      {"Geneve protocol 0x0800 (inner IPv4 without Ethernet) is refused",
       outer4(cat(geneve(kVni1, {.protocol = 0x0800}), Bytes(kInner.begin() + 14, kInner.end())), 6081),
       DropReason::kBadEncap},
      {"Geneve protocol 0x86DD (inner IPv6 without Ethernet) is refused",
       outer4(cat(geneve(kVni1, {.protocol = 0x86dd}), Bytes(kInner.begin() + 14, kInner.end())), 6081),
       DropReason::kBadEncap},
      {"an outer fragment", outer4(cat(vxlan(kVni1), kInner), 4789, "192.0.2.2", "192.0.2.1", {.frag = 0x2000}),
       DropReason::kBadEncap},
      {"an inner frame cut short (its IPv4 length past the datagram)",
       outer4(cat(vxlan(kVni1), Bytes(kInner.begin(), kInner.end() - 4))), DropReason::kBadEncap},
      {"an inner ARP frame (answered locally on each host, never carried)",
       outer4(cat(vxlan(kVni1), test::eth(test::kRouterMac, test::kVm1Mac, 0x0806, Bytes(28, 0)))),
       DropReason::kBadEncap},
      {"an inner frame with a VLAN tag (the VNI is the segment)",
       outer4(cat(vxlan(kVni1), test::eth(test::kRouterMac, "02:00:00:00:0b:0b", 0x0800,
                                          test::ipv4("10.0.2.10", "10.0.1.10", 17, test::udp(1, 2)), 5))),
       DropReason::kBadEncap},
      {"an unknown VNI", outer4(cat(vxlan(4242), kInner)), DropReason::kBadVni},
      {"an inner destination that is no local ENI", outer4(cat(vxlan(kVni1), inner4("10.0.2.10", "10.0.1.99"))),
       DropReason::kNoMapping},
      {"another VPC's VNI cannot reach VPC 1's ENI at the same address",
       outer4(cat(vxlan(kVni2), kInner), 4789, "192.0.2.3"), DropReason::kNoMapping},
      {"an inner source owned by another host than the outer source",
       outer4(cat(vxlan(kVni1), kInner), 4789, "192.0.2.3"), DropReason::kUnderlaySpoof},
      {"an inner source claiming to be our own local ENI",
       outer4(cat(vxlan(kVni1), inner4("10.0.1.10", "10.0.1.10"))), DropReason::kUnderlaySpoof},
      {"an inner source with neither mapping nor route is a spoof",
       outer4(cat(vxlan(kVni3), inner4("10.3.0.99", "10.3.0.10"))), DropReason::kUnderlaySpoof},
      {"an inner source covered by the default route, from the gateway host",
       outer4(cat(vxlan(kVni1), inner4("8.8.8.8", "10.0.1.10")), 4789, "192.0.2.9"), DropReason::kNone},
      {"... the same source from another host is a spoof",
       outer4(cat(vxlan(kVni1), inner4("8.8.8.8", "10.0.1.10"))), DropReason::kUnderlaySpoof},
      {"inner IPv6 between mapped addresses, IPv6 underlay",
       outer6(cat(vxlan(kVni1), inner6("fd00::20", "fd00::10"))), DropReason::kNone},
      {"inner IPv6 source owned by a host of the other underlay family",
       outer4(cat(vxlan(kVni1), inner6("fd00::20", "fd00::10"))), DropReason::kUnderlaySpoof},
  };
  for (const Case& c : cases) {
    World w;
    if (c.configure) c.configure(w.cfg);
    EXPECT_EQ(drop_reason_name(w.run(c.frame).error), drop_reason_name(c.want)) << c.proves;
  }
}

TEST(Decap, ResultLocatesTheInnerFrameAndStripOuterLeavesExactlyIt) {
  World w;
  Bytes frame = outer4(cat(geneve(kVni1, {.options = option(0x0102, 1, Bytes(8, 7))}), kInner), 6081);
  frame.resize(frame.size() + 6, 0);  // Ethernet padding after the outer IP packet
  PacketMeta inner;
  DecapResult r = w.run(frame, &inner);
  ASSERT_EQ(r.error, DropReason::kNone);
  EXPECT_EQ(r.vpc, 1);
  EXPECT_EQ(r.tunnel.vni, kVni1);
  EXPECT_EQ(r.tunnel.type, TunnelType::kGeneve);
  EXPECT_EQ(r.tunnel.inner_offset, 50 + 12);
  EXPECT_EQ(r.tunnel.inner_length, kInner.size()) << "the outer padding is not part of the inner frame";
  EXPECT_EQ(inner.dst4(), test::v4addr("10.0.1.10"));
  Buffer b(frame);
  strip_outer(b.f, r.tunnel);
  EXPECT_EQ(b.bytes(), kInner);
  EXPECT_EQ(b.f.headroom, 128 + 62);
}

TEST(Decap, EveryCutOfAValidFrameIsRefusedWithoutReadingPastIt) {
  World w;
  for (const Bytes& frame : {outer4(cat(vxlan(kVni1), kInner)),
                             outer4(cat(geneve(kVni1, {.options = option(0x0102, 1, Bytes(8, 7))}), kInner), 6081)}) {
    PacketMeta outer;
    ASSERT_EQ(parse_frame(frame.data(), static_cast<uint32_t>(frame.size()), outer), DropReason::kNone);
    // The outer meta of the whole frame with fewer readable bytes: decap's own
    // bounds checks, not the parser's, must refuse each cut.
    for (size_t cut = 0; cut < frame.size(); ++cut) {
      std::vector<uint8_t> exact(frame.begin(), frame.begin() + cut);
      Frame f{exact.data(), static_cast<uint16_t>(cut), 0, 0, static_cast<uint32_t>(cut)};
      TunnelInfo t;
      EXPECT_EQ(parse_tunnel(f, outer, w.cfg, t), DropReason::kBadEncap) << "cut at " << cut;
    }
  }
}

TEST(Decap, OptionalUdpChecksumVerificationRefusesACorruptedDatagram) {
  World w;
  w.cfg.verify_udp_checksum = true;
  Bytes good = outer6(cat(vxlan(kVni1), kInner6));
  EXPECT_EQ(w.run(good).error, DropReason::kNone);
  Bytes bad = good;
  bad.back() ^= 0x01;  // a payload bit flipped in transit
  EXPECT_EQ(w.run(bad).error, DropReason::kBadEncap);
}

TEST(Decap, OneLevelOnlyAVxlanInsideVxlanIsTheInnerPacket) {
  World w;
  Bytes nested = test::eth(test::kRouterMac, "02:00:00:00:0b:0b", 0x0800,
                           test::ipv4("10.0.2.10", "10.0.1.10", 17, test::udp(50000, 4789, cat(vxlan(kVni2), kInner))));
  PacketMeta inner;
  DecapResult r = w.run(outer4(cat(vxlan(kVni1), nested)), &inner);
  ASSERT_EQ(r.error, DropReason::kNone);
  EXPECT_EQ(r.tunnel.vni, kVni1);
  EXPECT_EQ(inner.dst_port.host(), 4789) << "the nested tunnel is delivered as a UDP packet, not opened";
}

TEST(Decap, CorruptedHeadersNeverYieldAnInnerFrameOutsideTheDatagram) {
  // Random byte flips in the headers of valid frames: whatever the verdict,
  // an accepted frame's inner frame lies inside the buffer and parses (run
  // under -Db_sanitize=address, this also proves no read past the buffer).
  World w;
  std::mt19937 rng(1);
  const std::vector<Bytes> valid = {
      outer4(cat(vxlan(kVni1), kInner)),
      outer4(cat(geneve(kVni1, {.options = cat(option(0x0102, 1, Bytes(8, 7)), option(0x0103, 2, {}))}), kInner),
             6081),
      outer6(cat(vxlan(kVni1), kInner6))};
  int accepted = 0;
  for (const Bytes& frame : valid)
    for (int round = 0; round < 20000; ++round) {
      const size_t cut = rng() % 3;
      std::vector<uint8_t> b(frame.begin(), frame.end() - cut);  // exact size: no slack to read into
      for (int flips = 1 + static_cast<int>(rng() % 3); flips > 0; --flips)
        b[rng() % std::min<size_t>(b.size(), 110)] ^= static_cast<uint8_t>(1 + rng() % 255);
      Frame f{b.data(), static_cast<uint16_t>(b.size()), 0, 0, static_cast<uint32_t>(b.size())};
      PacketMeta outer, inner;
      if (parse_frame(f.data, f.len, outer) != DropReason::kNone) continue;
      DecapResult r = decapsulate(f, outer, w.cfg, w.vnis, w.table, World::is_local, inner);
      if (r.error != DropReason::kNone) continue;
      ++accepted;
      ASSERT_LE(r.tunnel.inner_offset + r.tunnel.inner_length, b.size());
      ASSERT_TRUE(World::is_local(r.vpc, inner));
    }
  EXPECT_GT(accepted, 0) << "some corruptions (payload, ports, checksums) are harmless";
}

// --- encap -> decap round trip ------------------------------------------------

TEST(Decap, WhatWeEncapsulateWeDecapsulate) {
  World w;
  for (TunnelType type : {TunnelType::kVxlan, TunnelType::kGeneve})
    for (bool v6 : {false, true}) {
      EncapSpec s{.type = type,
                  .local = v6 ? UnderlayIp::v6(test::v6addr("2001:db8::2")) : UnderlayIp::v4(test::v4addr("192.0.2.2")),
                  .vni = kVni1,
                  .udp_checksum = v6 ? UdpChecksumMode::kSoftware : UdpChecksumMode::kZero};
      if (type == TunnelType::kGeneve) s.geneve_options = {{.option_class = 0x0102, .type = 3, .data = Bytes(12, 9)}};
      auto t = EncapTemplate::build(s);
      ASSERT_TRUE(t);
      Bytes in = v6 ? inner6("fd00::20", "fd00::10") : kInner;
      Buffer b(in);
      PacketMeta im = b.parse();
      UnderlayIp peer = v6 ? UnderlayIp::v6(test::v6addr("2001:db8::1")) : UnderlayIp::v4(test::v4addr("192.0.2.1"));
      ASSERT_TRUE(encapsulate(b.f, *t, peer, inner_flow_hash(im)));
      w.cfg.verify_udp_checksum = true;
      DecapResult r = w.run(b.bytes());
      ASSERT_EQ(r.error, DropReason::kNone) << "type " << int(type) << " v6 " << v6;
      strip_outer(b.f, r.tunnel);
      EXPECT_EQ(b.bytes(), in);
    }
}

// --- real captures (tests/data/pcaps) -----------------------------------------

std::string pcap_path(const std::string& name) {
  const char* dir = std::getenv("VFPATH_SHARED_DATA");
  return std::string(dir ? dir : "../shared/data") + "/pcaps/" + name;
}

// Step 1 on a captured frame, with our underlay address set to its outer
// destination (the captures are between other hosts). nullopt: the parser
// refuses the outer frame (so decap never sees it).
std::optional<DropReason> tunnel_of(const Bytes& pkt, TunnelInfo& t, const std::function<void(DecapConfig&)>& conf = {}) {
  PacketMeta outer;
  if (parse_frame(pkt.data(), static_cast<uint32_t>(pkt.size()), outer) != DropReason::kNone) return std::nullopt;
  DecapConfig cfg;
  if (outer.kind == PacketKind::kIpv4) {
    cfg.local_v4 = outer.dst4();
    cfg.has_v4 = true;
  } else {
    cfg.local_v6 = outer.dst6();
    cfg.has_v6 = true;
  }
  if (conf) conf(cfg);
  std::vector<uint8_t> exact(pkt);
  Frame f{exact.data(), static_cast<uint16_t>(exact.size()), 0, 0, static_cast<uint32_t>(exact.size())};
  return parse_tunnel(f, outer, cfg, t);
}

struct CaptureCase {
  const char* file;
  const char* proves;
  std::optional<DropReason> want;  // nullopt: refused by the outer parse (decap never sees it)
  uint32_t vni = 0;
  std::function<void(DecapConfig&)> configure = {};
};

TEST(DecapCaptures, EveryPacketOfEachCaptureGetsItsVerdict) {
  const std::vector<CaptureCase> cases = {
      {"vxlan/zeek__vxlan.pcap", "plain VXLAN, VNI 123", DropReason::kNone, 123},
      {"vxlan/suricata-verify__vxlan-non-zero-reserved-fields.pcap", "flags 0xff01: reserved bits ignored",
       DropReason::kNone, 11},
      {"vxlan/zeek__vxlan-encapsulated-http.pcap", "VNI 1, a whole TCP session", DropReason::kNone, 1},
      {"vxlan/tcpdump__vxlan_port_8472.pcap", "port 8472 is not ours by default", DropReason::kBadEncap},
      {"vxlan/tcpdump__vxlan_port_8472.pcap", "port 8472 once configured", DropReason::kNone, 100,
       [](DecapConfig& c) { c.vxlan_port = 8472; }},
      {"vxlan/tcpdump__nsh-over-vxlan-gpe.pcap", "VXLAN-GPE (4790) is not VXLAN", DropReason::kBadEncap},
      {"vxlan/zeek__vxlan-triple-v2.pcap", "VXLAN in VXLAN in VXLAN: the outermost level", DropReason::kNone, 1},
      {"geneve/zeek__geneve.pcap", "one 8-byte option; replies with UDP source port 0", DropReason::kNone, 0},
      {"geneve/zeek__geneve-many-options.pcap", "76 bytes of options skipped", DropReason::kNone, 0x0c012e},
      {"geneve/zeek__geneve-tagged-udp-packet.pcap", "an unknown non-critical option skipped", DropReason::kNone,
       100},
      {"geneve/zeek__geneve-47101.pcap", "VNI 4242 between loopback hosts", DropReason::kNone, 4242},
      {"geneve/tcpdump__gso-ipv6-geneve-ipv6.pcap", "IPv6 underlay, inner Ethernet/IPv6", DropReason::kNone, 5001},
      {"geneve/zeek__geneve-ipv6.pcap", "protocol 0x86DD: inner IPv6 without Ethernet", DropReason::kBadEncap},
      {"geneve/zeek__geneve-arp.pcap", "protocol 0x0806: inner ARP without Ethernet", DropReason::kBadEncap},
      {"geneve/tcpdump__geneve-gcp.pcap", "protocol 0x0800 with GCP options", DropReason::kBadEncap},
      {"geneve/zeek__geneve-truncated.pcapng", "a tunnel header with no inner Ethernet header after it",
       DropReason::kBadEncap},
      {"vxlan/tcpdump__gso-ipv4-vxlan-ipv6.pcap", "a 4310-byte GSO frame, inner IPv6", DropReason::kNone, 5001},
  };
  for (const CaptureCase& c : cases) {
    std::vector<Bytes> pkts = test::read_pcap(pcap_path(c.file));
    ASSERT_FALSE(pkts.empty()) << c.file;
    for (size_t i = 0; i < pkts.size(); ++i) {
      TunnelInfo t;
      std::optional<DropReason> got = tunnel_of(pkts[i], t, c.configure);
      ASSERT_EQ(got.has_value(), c.want.has_value()) << c.file << " #" << i << ": " << c.proves;
      if (!got) continue;
      EXPECT_EQ(drop_reason_name(*got), drop_reason_name(*c.want)) << c.file << " #" << i << ": " << c.proves;
      if (*got == DropReason::kNone) {
        EXPECT_EQ(t.vni, c.vni) << c.file << " #" << i;
      }
    }
  }
}

TEST(DecapCaptures, GeneveWithTheCriticalOptionIsDroppedUnlessKnown) {
  // VNI 10 packets carry C and option class 0, type 0x80; VNI 11 packets none.
  std::vector<Bytes> pkts = test::read_pcap(pcap_path("geneve/tcpdump__geneve.pcap"));
  ASSERT_EQ(pkts.size(), 39u);
  int critical = 0;
  for (const Bytes& p : pkts) {
    TunnelInfo t;
    auto got = tunnel_of(p, t);
    ASSERT_TRUE(got);
    if (*got == DropReason::kBadEncap) {
      ++critical;
      auto known = tunnel_of(p, t, [](DecapConfig& c) { c.known_critical_options[c.known_critical_count++] = 0x80; });
      EXPECT_EQ(known, DropReason::kNone);
      EXPECT_EQ(t.vni, 10u);
    } else {
      EXPECT_EQ(*got, DropReason::kNone);
      EXPECT_EQ(t.vni, 11u);
    }
  }
  EXPECT_EQ(critical, 19);
}

TEST(DecapCaptures, ManyOptionsPutTheInnerFrameAfter76OptionBytes) {
  std::vector<Bytes> pkts = test::read_pcap(pcap_path("geneve/zeek__geneve-many-options.pcap"));
  TunnelInfo t;
  ASSERT_EQ(tunnel_of(pkts[0], t), DropReason::kNone);
  EXPECT_EQ(t.inner_offset, 14 + 20 + 8 + 8 + 76);
  PacketMeta inner;
  ASSERT_EQ(parse_frame(pkts[0].data() + t.inner_offset, t.inner_length, inner), DropReason::kNone);
  EXPECT_EQ(inner.dst4(), test::v4addr("95.217.228.176"));
  EXPECT_EQ(inner.dst_port.host(), 80);
}

}  // namespace
}  // namespace vfpath::encap
