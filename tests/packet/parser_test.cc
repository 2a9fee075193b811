// The parser over a table of frames: every kind it understands, and the
// truncated or inconsistent ones that must be a counted `malformed` drop.
#include "packet/parser.h"

#include <gtest/gtest.h>

#include "tests/packet/frames.h"

namespace vfpath::test {
namespace {

using F = uint8_t;
namespace mf = meta_flags;
constexpr auto kOk = DropReason::kNone;
constexpr auto kBad = DropReason::kMalformed;
constexpr auto kL2 = DropReason::kUnsupportedL2;

struct Case {
  const char* proves;
  Bytes frame;
  DropReason want;
  PacketKind kind = PacketKind::kOther;
  uint8_t l4_proto = 0;
  uint8_t flags = 0;  // exactly these flags (when want == kOk)
  uint16_t sport = 0, dport = 0;
  uint16_t l3_offset = 14;
};

const std::string A = "10.0.1.10", B = "10.0.2.10", A6 = "fd00::a", B6 = "fd00::b";
Bytes e4(const Bytes& p) { return eth(kRouterMac, kVm1Mac, 0x0800, p); }
Bytes e6(const Bytes& p) { return eth(kRouterMac, kVm1Mac, 0x86dd, p); }
Bytes cat(Bytes a, const Bytes& b) { append(a, b); return a; }

std::vector<Case> cases() {
  return {
      // --- valid frames of every kind ---
      {"IPv4 TCP: ports and flags", e4(ipv4(A, B, 6, tcp(1234, 80, 0x12))), kOk, PacketKind::kIpv4, 6, mf::kHasL4, 1234, 80},
      {"IPv4 UDP", e4(ipv4(A, B, 17, udp(53, 5353, {1, 2, 3}))), kOk, PacketKind::kIpv4, 17, mf::kHasL4, 53, 5353},
      {"ICMP echo: the identifier is the source port", e4(ipv4(A, B, 1, icmp4(8, 0, 777, 1))), kOk, PacketKind::kIpv4, 1, mf::kHasL4, 777, 0},
      {"ICMP error: type/code, no ports", e4(ipv4(A, B, 1, icmp4(3, 3))), kOk, PacketKind::kIpv4, 1, mf::kHasL4},
      {"IPv4 options are skipped", e4(ipv4(A, B, 6, tcp(1, 2), {.options = {1, 1, 1, 0}})), kOk, PacketKind::kIpv4, 6, mf::kHasL4 | mf::kIpOptions, 1, 2},
      {"IPv4 DF is recorded", e4(ipv4(A, B, 6, tcp(1, 2), {.frag = 0x4000})), kOk, PacketKind::kIpv4, 6, mf::kHasL4 | mf::kDontFragment, 1, 2},
      {"IPv4 first fragment carries the ports", e4(ipv4(A, B, 17, udp(7, 9, Bytes(32)), {.frag = 0x2000})), kOk, PacketKind::kIpv4, 17, mf::kHasL4 | mf::kFragment | mf::kFirstFragment, 7, 9},
      {"IPv4 non-first fragment has no L4", e4(ipv4(A, B, 17, Bytes(16), {.frag = 0x0004})), kOk, PacketKind::kIpv4, 17, mf::kFragment},
      {"IPv4 other protocol (GRE): addresses only", e4(ipv4(A, B, 47, Bytes(8))), kOk, PacketKind::kIpv4, 47, 0},
      {"Ethernet padding after the IP packet is ignored", cat(e4(ipv4(A, B, 1, icmp4(8, 0))), Bytes(18)), kOk, PacketKind::kIpv4, 1, mf::kHasL4},
      {"802.1Q tag: VLAN and L3 offset 18", eth(kRouterMac, kVm1Mac, 0x0800, ipv4(A, B, 17, udp(1, 2)), 100), kOk, PacketKind::kIpv4, 17, mf::kHasL4 | mf::kVlan, 1, 2, 18},
      {"ARP request", eth("ff:ff:ff:ff:ff:ff", kVm1Mac, 0x0806, arp(1, kVm1Mac, A, "00:00:00:00:00:00", "10.0.1.1")), kOk, PacketKind::kArp},
      {"ARP reply", eth(kRouterMac, kVm1Mac, 0x0806, arp(2, kVm1Mac, A, kRouterMac, "10.0.1.1")), kOk, PacketKind::kArp},
      {"IPv6 TCP", e6(ipv6(A6, B6, 6, tcp(4000, 443))), kOk, PacketKind::kIpv6, 6, mf::kHasL4 | mf::kDontFragment, 4000, 443},
      {"IPv6 hop-by-hop then UDP", e6(ipv6(A6, B6, 0, cat(ext6(17), udp(1, 2)))), kOk, PacketKind::kIpv6, 17, mf::kHasL4 | mf::kDontFragment | mf::kIpOptions, 1, 2},
      {"IPv6 dest-opts, routing, then TCP", e6(ipv6(A6, B6, 60, cat(cat(ext6(43, 2), ext6(6)), tcp(5, 6)))), kOk, PacketKind::kIpv6, 6, mf::kHasL4 | mf::kDontFragment | mf::kIpOptions, 5, 6},
      {"IPv6 first fragment carries the ports", e6(ipv6(A6, B6, 44, cat(frag6(17, 0, true), udp(8, 9, Bytes(16))))), kOk, PacketKind::kIpv6, 17, mf::kHasL4 | mf::kDontFragment | mf::kIpOptions | mf::kFragment | mf::kFirstFragment, 8, 9},
      {"IPv6 non-first fragment has no L4", e6(ipv6(A6, B6, 44, cat(frag6(17, 1232, false), Bytes(16)))), kOk, PacketKind::kIpv6, 17, mf::kDontFragment | mf::kIpOptions | mf::kFragment},
      {"IPv6 atomic fragment is a whole packet (RFC 6946)", e6(ipv6(A6, B6, 44, cat(frag6(6, 0, false), tcp(1, 2)))), kOk, PacketKind::kIpv6, 6, mf::kHasL4 | mf::kDontFragment | mf::kIpOptions, 1, 2},
      {"ICMPv6 echo: identifier as port", e6(icmp6_packet(A6, B6, icmp6_body(128, 0, 99, 1))), kOk, PacketKind::kIpv6, 58, mf::kHasL4 | mf::kDontFragment, 99, 0},
      {"ICMPv6 neighbour solicitation", e6(icmp6_packet(A6, "ff02::1:ff00:1", neighbor_solicit_body("fd00::1", kVm1Mac), 255)), kOk, PacketKind::kIpv6, 58, mf::kHasL4 | mf::kDontFragment},
      {"IPv6 no next header", e6(ipv6(A6, B6, 59, {})), kOk, PacketKind::kIpv6, 59, mf::kDontFragment},

      // --- truncated or inconsistent: malformed, never a read past the frame ---
      {"shorter than an Ethernet header", Bytes(10, 0xaa), kBad},
      {"VLAN tag cut off", truncate(eth(kRouterMac, kVm1Mac, 0x0800, {}, 5), 16), kBad},
      {"stacked VLAN tags are not supported", eth(kRouterMac, kVm1Mac, 0x8100, Bytes(40), 5), kL2},
      {"unknown ethertype (LLDP)", eth(kRouterMac, kVm1Mac, 0x88cc, Bytes(40)), kL2},
      {"ARP cut short", truncate(eth("ff:ff:ff:ff:ff:ff", kVm1Mac, 0x0806, arp(1, kVm1Mac, A, kVm1Mac, B)), 30), kBad},
      {"ARP for another hardware type", [] { Bytes a = arp(1, kVm1Mac, A, kVm1Mac, B); a[1] = 6; return eth("ff:ff:ff:ff:ff:ff", kVm1Mac, 0x0806, a); }(), kBad},
      {"ARP with an unknown opcode", [] { Bytes a = arp(1, kVm1Mac, A, kVm1Mac, B); a[7] = 9; return eth("ff:ff:ff:ff:ff:ff", kVm1Mac, 0x0806, a); }(), kBad},
      {"IPv4 header cut short", truncate(e4(ipv4(A, B, 6, tcp(1, 2))), 14 + 12), kBad},
      {"IPv4 IHL below 5", [] { Bytes f = e4(ipv4(A, B, 6, tcp(1, 2))); f[14] = 0x44; return f; }(), kBad},
      {"IPv4 version is not 4", e4(ipv4(A, B, 6, tcp(1, 2), {.version = 6})), kBad},
      {"IPv4 total length beyond the frame", e4(ipv4(A, B, 6, tcp(1, 2), {.total_length = 200})), kBad},
      {"IPv4 total length below the header length", e4(ipv4(A, B, 6, tcp(1, 2), {.total_length = 12})), kBad},
      {"IPv4 total length 0 (TSO capture)", e4(ipv4(A, B, 6, tcp(1, 2), {.total_length = 0})), kBad},
      {"IPv4 header checksum wrong", e4(ipv4(A, B, 17, udp(1, 2), {.bad_checksum = true})), kBad},
      {"IPv4 options run past the frame", [] { Bytes f = e4(ipv4(A, B, 6, {})); f[14] = 0x4f; return f; }(), kBad},
      {"TCP data offset below 5", e4(ipv4(A, B, 6, tcp(1, 2, 0x02, 4))), kBad},
      {"TCP data offset past the packet", [] { Bytes t = tcp(1, 2); t[12] = 0xf0; return e4(ipv4(A, B, 6, t)); }(), kBad},
      {"TCP header cut short", e4(ipv4(A, B, 6, Bytes(10))), kBad},
      {"UDP length below 8", e4(ipv4(A, B, 17, udp(1, 2, {}, 5))), kBad},
      {"UDP length beyond the IP payload", e4(ipv4(A, B, 17, udp(1, 2, {}, 64))), kBad},
      {"ICMP header cut short", e4(ipv4(A, B, 1, Bytes(4))), kBad},
      {"IPv4 TCP fragment at offset 8: parsed, its first fragment decides (overlap or a short first)",
       e4(ipv4(A, B, 6, Bytes(16), {.frag = 0x0001})), kOk, PacketKind::kIpv4, 6, mf::kFragment, 0, 0},
      {"IPv4 TCP first fragment with 8 bytes of its header: short, no ports yet",
       e4(ipv4(A, B, 6, truncate(tcp(7, 9), 8), {.frag = 0x2000})), kOk, PacketKind::kIpv4, 6,
       mf::kFragment | mf::kFirstFragment | mf::kShortFirstFragment, 0, 0},
      {"IPv4 TCP first fragment with fewer than 8 bytes", e4(ipv4(A, B, 6, Bytes(4), {.frag = 0x2000})), kBad},
      {"IPv6 header of 39 bytes", truncate(e6(ipv6(A6, B6, 59, {})), 14 + 39), kBad},
      {"IPv6 version is not 6", [] { Bytes f = e6(ipv6(A6, B6, 59, {})); f[14] = 0x40; return f; }(), kBad},
      {"IPv6 payload length beyond the frame", e6(ipv6(A6, B6, 6, tcp(1, 2), 64, 100)), kBad},
      {"IPv6 endless extension chain", [] { Bytes chain; for (int i = 0; i < 9; ++i) append(chain, ext6(i == 8 ? 59 : 60)); return e6(ipv6(A6, B6, 60, chain)); }(), kBad},
      {"IPv6 hop-by-hop after another header", e6(ipv6(A6, B6, 60, cat(ext6(0), ext6(59)))), kBad},
      {"IPv6 extension header cut short", e6(ipv6(A6, B6, 0, Bytes{17, 4, 0, 0})), kBad},
      {"IPv6 jumbogram (payload length 0 with hop-by-hop)", e6(ipv6(A6, B6, 0, cat(ext6(59), {}), 64, 0)), kBad},
      {"IPv6 first fragment without a whole TCP header (RFC 7112)", e6(ipv6(A6, B6, 44, cat(frag6(6, 0, true), Bytes(8)))), kBad},
  };
}

TEST(Parser, TableOfFrames) {
  auto all = cases();
  ASSERT_GE(all.size(), 30u);
  for (const Case& c : all) {
    SCOPED_TRACE(c.proves);
    PacketMeta m;
    // Exactly the frame's bytes: a read past them is caught by ASan/valgrind.
    std::vector<uint8_t> exact(c.frame.begin(), c.frame.end());
    DropReason got = parse_frame(exact.data(), static_cast<uint32_t>(exact.size()), m);
    EXPECT_EQ(drop_reason_name(got), drop_reason_name(c.want));
    if (c.want != kOk || got != kOk) continue;
    EXPECT_EQ(static_cast<int>(m.kind), static_cast<int>(c.kind));
    EXPECT_EQ(m.l3_offset, c.l3_offset);
    if (c.kind == PacketKind::kArp) continue;
    EXPECT_EQ(m.l4_proto, c.l4_proto);
    EXPECT_EQ(m.flags, c.flags);
    EXPECT_EQ(m.src_port.host(), c.sport);
    EXPECT_EQ(m.dst_port.host(), c.dport);
  }
}

TEST(Parser, AddressesAndTtlLandInTheMetadata) {
  Bytes f = e4(ipv4(A, B, 17, udp(1, 2), {.ttl = 9}));
  PacketMeta m;
  ASSERT_EQ(parse_frame(f.data(), f.size(), m), kOk);
  EXPECT_EQ(m.ttl, 9);
  EXPECT_EQ(Bytes(m.src.bytes, m.src.bytes + 4), ip4(A));
  EXPECT_EQ(Bytes(m.dst.bytes, m.dst.bytes + 4), ip4(B));
  EXPECT_EQ(m.l3_length, 28);
  Bytes g = e6(ipv6(A6, B6, 17, udp(1, 2), 33));
  ASSERT_EQ(parse_frame(g.data(), g.size(), m), kOk);
  EXPECT_EQ(m.ttl, 33);
  EXPECT_EQ(Bytes(m.dst.bytes, m.dst.bytes + 16), ip6(B6));
}

TEST(Parser, EveryCutOfAValidFrameIsMalformed) {
  // A frame cut anywhere inside its headers or IP packet must be refused, and
  // never read past the cut (the copy is exactly n bytes: ASan/valgrind see it).
  for (const Case& c : cases()) {
    if (c.want != kOk || std::string(c.proves).find("padding") != std::string::npos) continue;
    SCOPED_TRACE(c.proves);
    for (size_t n = 0; n < c.frame.size(); ++n) {
      std::vector<uint8_t> cut(c.frame.begin(), c.frame.begin() + n);
      PacketMeta m;
      EXPECT_NE(parse_frame(cut.data(), static_cast<uint32_t>(n), m), kOk) << "cut at " << n;
    }
  }
}

}  // namespace
}  // namespace vfpath::test
