// Encapsulation: the template bytes against vectors checked by hand, the
// per-packet fields (lengths, checksums, port range), and the refusals.
#include "encap/encap_template.h"

#include <gtest/gtest.h>

#include <set>

#include "packet/checksum.h"
#include "encap/flow_hash.h"
#include "tests/encap/buffers.h"

namespace vfpath::encap {
namespace {

using test::Buffer;
using test::Bytes;

UnderlayIp v4(const std::string& s) { return UnderlayIp::v4(test::v4addr(s)); }
UnderlayIp v6(const std::string& s) { return UnderlayIp::v6(test::v6addr(s)); }

EncapSpec spec(TunnelType type, bool ipv6, UdpChecksumMode mode) {
  return EncapSpec{.type = type,
                   .local = ipv6 ? v6("2001:db8::1") : v4("192.0.2.1"),
                   .local_mac = test::mac_addr("02:00:00:00:00:01"),
                   .next_hop_mac = test::mac_addr("02:00:00:00:00:02"),
                   .vni = 0x123456,
                   .udp_checksum = mode};
}

// A 64-byte inner frame: Ethernet / IPv4 / UDP 10.0.1.10:1024 -> 10.0.2.10:80.
Bytes inner_frame() {
  Bytes b = test::eth(test::kVm2Mac, test::kRouterMac, 0x0800,
                      test::ipv4("10.0.1.10", "10.0.2.10", 17, test::udp(1024, 80, Bytes(22, 0xab))));
  EXPECT_EQ(b.size(), 64u);
  return b;
}

TEST(EncapTemplate, OverheadIs50And70ForVxlanAndGrowsWithGeneveOptions) {
  EXPECT_EQ(encap_overhead(false), 50);
  EXPECT_EQ(encap_overhead(true), 70);
  EXPECT_EQ(encap_overhead(false, 8), 58);
  auto t = EncapTemplate::build(spec(TunnelType::kVxlan, true, UdpChecksumMode::kSoftware));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->overhead(), 70);
  EncapSpec g = spec(TunnelType::kGeneve, false, UdpChecksumMode::kZero);
  g.geneve_options = {{.option_class = 0x0102, .type = 0x01, .data = {1, 2, 3, 4}}};
  EXPECT_EQ(EncapTemplate::build(g)->overhead(), 58);
}

// The whole outer header of VXLAN over IPv4, every byte checked by hand:
// IPv4 checksum = ~(4500+0064+0000+4000+4011+c000+0201+c000+0202) = b685
// (total length 100 = 20 + 8 + 8 + 64), UDP source 0xc000 | (0x12345678 &
// 0x3fff) = 0xd678, UDP length 80, checksum zero; VXLAN flags 0x08, VNI 0x123456.
TEST(EncapTemplate, VxlanOverIpv4IsByteExact) {
  auto t = EncapTemplate::build(spec(TunnelType::kVxlan, false, UdpChecksumMode::kZero));
  ASSERT_TRUE(t);
  Bytes inner = inner_frame();
  Buffer b(inner);
  ASSERT_TRUE(encapsulate(b.f, *t, v4("192.0.2.2"), 0x12345678));
  const Bytes expected_outer = {
      0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,  // Ethernet
      0x45, 0x00, 0x00, 0x64, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb6, 0x85,              // IPv4
      0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, 0x02,                                      //   src, dst
      0xd6, 0x78, 0x12, 0xb5, 0x00, 0x50, 0x00, 0x00,                                      // UDP
      0x08, 0x00, 0x00, 0x00, 0x12, 0x34, 0x56, 0x00};                                     // VXLAN
  Bytes out = b.bytes();
  ASSERT_EQ(out.size(), 50u + 64u);
  EXPECT_EQ(Bytes(out.begin(), out.begin() + 50), expected_outer);
  EXPECT_EQ(Bytes(out.begin() + 50, out.end()), inner);
  EXPECT_EQ(b.f.headroom, 128 - 50);
}

// Geneve over IPv4 with one critical option (class 0x0102, type 0x80, 4 bytes
// of data): Opt Len 2 words, C flag, protocol 0x6558, option header 01 02 80 01.
TEST(EncapTemplate, GeneveWithCriticalOptionIsByteExact) {
  EncapSpec s = spec(TunnelType::kGeneve, false, UdpChecksumMode::kZero);
  s.geneve_options = {{.option_class = 0x0102, .type = 0x80, .data = {0xaa, 0xbb, 0xcc, 0xdd}}};
  auto t = EncapTemplate::build(s);
  ASSERT_TRUE(t);
  Buffer b(inner_frame());
  ASSERT_TRUE(encapsulate(b.f, *t, v4("192.0.2.2"), 0));
  Bytes out = b.bytes();
  const Bytes udp_and_geneve = {0xc0, 0x00, 0x17, 0xc1, 0x00, 0x58, 0x00, 0x00,   // UDP: 49152 -> 6081, len 88
                                0x02, 0x40, 0x65, 0x58, 0x12, 0x34, 0x56, 0x00,   // Geneve
                                0x01, 0x02, 0x80, 0x01, 0xaa, 0xbb, 0xcc, 0xdd};  // option
  EXPECT_EQ(Bytes(out.begin() + 34, out.begin() + 58), udp_and_geneve);
  EXPECT_TRUE(ipv4_header_checksum_ok(out.data() + 14, 20));
}

// VXLAN over IPv6: version 6, flow label from the hash, next header UDP, hop
// limit 64, payload length = UDP length, and the UDP checksum verifies (the
// RFC 8200 pseudo-header sum over a datagram holding its checksum is zero).
TEST(EncapTemplate, VxlanOverIpv6CarriesAVerifyingUdpChecksumAndFlowLabel) {
  auto t = EncapTemplate::build(spec(TunnelType::kVxlan, true, UdpChecksumMode::kSoftware));
  ASSERT_TRUE(t);
  Buffer b(inner_frame());
  const uint32_t hash = 0xabcde123;
  ASSERT_TRUE(encapsulate(b.f, *t, v6("2001:db8::2"), hash));
  Bytes out = b.bytes();
  ASSERT_EQ(out.size(), 70u + 64u);
  EXPECT_EQ(Bytes(out.begin() + 12, out.begin() + 14), (Bytes{0x86, 0xdd}));
  const uint32_t vtc = uint32_t{out[14]} << 24 | out[15] << 16 | out[16] << 8 | out[17];
  EXPECT_EQ(vtc, 6u << 28 | ipv6_flow_label(hash));
  EXPECT_EQ(Bytes(out.begin() + 18, out.begin() + 22), (Bytes{0x00, 80, 17, 64}));  // payload 80, UDP, hop 64
  EXPECT_EQ(Bytes(out.begin() + 22, out.begin() + 38), test::ip6("2001:db8::1"));
  EXPECT_EQ(Bytes(out.begin() + 38, out.begin() + 54), test::ip6("2001:db8::2"));
  EXPECT_NE(out[60] | out[61], 0);
  EXPECT_EQ(ipv6_l4_checksum(out.data() + 22, out.data() + 38, 17, out.data() + 54, 80).host(), 0);
}

TEST(EncapTemplate, Ipv4SoftwareChecksumVerifiesAndOffloadStoresThePseudoHeaderSum) {
  Bytes inner = inner_frame();
  auto sw = EncapTemplate::build(spec(TunnelType::kVxlan, false, UdpChecksumMode::kSoftware));
  Buffer b(inner);
  ASSERT_TRUE(encapsulate(b.f, *sw, v4("192.0.2.2"), 7));
  Bytes out = b.bytes();
  uint32_t pseudo = checksum_partial(out.data() + 26, 8, 17 + 80);  // src, dst, proto, length
  EXPECT_EQ(checksum_finish(checksum_partial(out.data() + 34, 80, pseudo)).host(), 0);

  auto off = EncapTemplate::build(spec(TunnelType::kVxlan, false, UdpChecksumMode::kOffload));
  Buffer c(inner);
  ASSERT_TRUE(encapsulate(c.f, *off, v4("192.0.2.2"), 7));
  Bytes o2 = c.bytes();
  // Folded, not inverted: what rte_ipv4_phdr_cksum would store.
  uint32_t folded = pseudo;
  while (folded >> 16) folded = (folded & 0xffff) + (folded >> 16);
  EXPECT_EQ(o2[40] << 8 | o2[41], static_cast<int>(folded));
}

TEST(EncapTemplate, IncrementalIpv4ChecksumIsRightForEveryLengthAndPeer) {
  auto t = EncapTemplate::build(spec(TunnelType::kVxlan, false, UdpChecksumMode::kZero));
  for (size_t len : {14u, 60u, 64u, 1000u, 1514u, 9000u})
    for (const char* peer : {"0.0.0.0", "192.0.2.2", "255.255.255.255", "10.200.3.4"}) {
      Bytes inner(len, 0x5a);
      Buffer b(inner);
      ASSERT_TRUE(encapsulate(b.f, *t, v4(peer), 0));
      EXPECT_TRUE(ipv4_header_checksum_ok(b.f.data + 14, 20)) << len << " " << peer;
      EXPECT_EQ((b.f.data[16] << 8 | b.f.data[17]), static_cast<int>(len + 36));
    }
}

TEST(EncapTemplate, SourcePortStaysInTheDynamicRangeAndSpreadsFlows) {
  std::set<uint16_t> ports;
  for (uint32_t sport = 1024; sport < 1024 + 4096; ++sport) {
    Bytes f = test::eth(test::kVm2Mac, test::kRouterMac, 0x0800,
                        test::ipv4("10.0.1.10", "10.0.2.10", 6, test::tcp(static_cast<uint16_t>(sport), 443)));
    PacketMeta m;
    ASSERT_EQ(parse_frame(f.data(), static_cast<uint32_t>(f.size()), m), DropReason::kNone);
    uint16_t p = udp_source_port(inner_flow_hash(m));
    ASSERT_GE(p, 49152);
    ports.insert(p);
  }
  // 4096 flows into 16384 ports: a uniform hash leaves ~3600 distinct.
  EXPECT_GT(ports.size(), 3300u);
}

TEST(EncapTemplate, FragmentsOfOneDatagramHashAlike) {
  PacketMeta first, later;
  Bytes a = test::eth(test::kVm2Mac, test::kRouterMac, 0x0800,
                      test::ipv4("10.0.1.10", "10.0.2.10", 17, test::udp(5000, 53, Bytes(24)), {.frag = 0x2000}));
  Bytes b = test::eth(test::kVm2Mac, test::kRouterMac, 0x0800,
                      test::ipv4("10.0.1.10", "10.0.2.10", 17, Bytes(24), {.frag = 0x0004}));
  ASSERT_EQ(parse_frame(a.data(), static_cast<uint32_t>(a.size()), first), DropReason::kNone);
  ASSERT_EQ(parse_frame(b.data(), static_cast<uint32_t>(b.size()), later), DropReason::kNone);
  EXPECT_EQ(inner_flow_hash(first), inner_flow_hash(later));
}

struct Refusal {
  const char* proves;
  EncapSpec spec;
};

TEST(EncapTemplate, InvalidSpecsAreRefused) {
  EncapSpec big_vni = spec(TunnelType::kVxlan, false, UdpChecksumMode::kZero);
  big_vni.vni = 0x1000000;
  EncapSpec zero6 = spec(TunnelType::kVxlan, true, UdpChecksumMode::kZero);
  EncapSpec vxlan_opts = spec(TunnelType::kVxlan, false, UdpChecksumMode::kZero);
  vxlan_opts.geneve_options = {{.option_class = 1, .type = 1, .data = {}}};
  EncapSpec odd_opt = spec(TunnelType::kGeneve, false, UdpChecksumMode::kZero);
  odd_opt.geneve_options = {{.option_class = 1, .type = 1, .data = {1, 2, 3}}};
  EncapSpec long_opts = spec(TunnelType::kGeneve, false, UdpChecksumMode::kZero);
  long_opts.geneve_options = {{.option_class = 1, .type = 1, .data = std::vector<uint8_t>(56)}};
  for (const Refusal& r : {Refusal{"a VNI over 24 bits", big_vni},
                           Refusal{"a zero UDP checksum over IPv6 (we always compute it)", zero6},
                           Refusal{"options on VXLAN", vxlan_opts},
                           Refusal{"option data not a multiple of 4 bytes", odd_opt},
                           Refusal{"options beyond the template's room", long_opts}})
    EXPECT_FALSE(EncapTemplate::build(r.spec)) << r.proves;
}

TEST(EncapTemplate, EncapsulateRefusesWithoutTouchingTheFrame) {
  auto t4 = EncapTemplate::build(spec(TunnelType::kVxlan, false, UdpChecksumMode::kSoftware));
  Bytes inner = inner_frame();
  Buffer short_headroom(inner, 49);
  EXPECT_FALSE(encapsulate(short_headroom.f, *t4, v4("192.0.2.2"), 0)) << "headroom below the overhead";
  EXPECT_EQ(short_headroom.bytes(), inner);
  Buffer b(inner);
  EXPECT_FALSE(encapsulate(b.f, *t4, v6("2001:db8::2"), 0)) << "peer of the other family";
  Buffer multi(inner);
  multi.f.frame_len = 2000;
  EXPECT_FALSE(encapsulate(multi.f, *t4, v4("192.0.2.2"), 0)) << "software checksum of a chained frame";
  EXPECT_EQ(multi.f.len, inner.size());
}

}  // namespace
}  // namespace vfpath::encap
