// 1:1 NAT (packet/nat44.h), table by table: what each kind of IPv4 packet
// looks like after its source (egress) or destination (ingress) is
// translated, every checksum verified from scratch — the IPv4 header, the
// TCP/UDP pseudo-header sum, ICMP over its message, and for ICMP errors the
// quoted header and the quoted datagram's own checksum.
#include <gtest/gtest.h>

#include <cstring>

#include "packet/checksum.h"
#include "packet/nat44.h"
#include "packet/parser.h"
#include "packet/text_address.h"
#include "tests/packet/frames.h"

namespace vfpath {
namespace {

using namespace test;

// `ip` with its TCP/UDP checksum filled in (the builders leave it 0).
Bytes with_l4_checksum(Bytes ip) {
  const size_t hl = (ip[0] & 0x0f) * 4u;
  const uint8_t proto = ip[9];
  const size_t off = proto == 6 ? 16 : 6;
  ip[hl + off] = ip[hl + off + 1] = 0;
  const be16 c = ipv4_l4_checksum(ip.data() + 12, ip.data() + 16, proto, ip.data() + hl, ip.size() - hl);
  uint16_t v = c.host();
  if (proto == 17 && v == 0) v = 0xffff;
  ip[hl + off] = static_cast<uint8_t>(v >> 8);
  ip[hl + off + 1] = static_cast<uint8_t>(v);
  return ip;
}

// The sum over the pseudo-header and the segment: 0 when the checksum is right.
uint16_t l4_residue(const uint8_t* ip, size_t len) {
  const size_t hl = (ip[0] & 0x0f) * 4u;
  Bytes pseudo(ip + 12, ip + 20);
  pseudo.insert(pseudo.end(), {0, ip[9], static_cast<uint8_t>((len - hl) >> 8), static_cast<uint8_t>(len - hl)});
  return checksum_finish(checksum_partial(ip + hl, len - hl, checksum_partial(pseudo.data(), pseudo.size()))).host();
}

struct Translated {
  bool ok;
  Bytes ip;  // the IPv4 packet after
};

Translated nat(const Bytes& ip_packet, bool source, const char* to) {
  Bytes frame = eth(kRouterMac, kVm1Mac, 0x0800, ip_packet);
  PacketMeta m{};
  EXPECT_EQ(parse_frame(frame.data(), static_cast<uint32_t>(frame.size()), m), DropReason::kNone);
  Frame f{frame.data(), static_cast<uint16_t>(frame.size()), 0, 0, static_cast<uint32_t>(frame.size())};
  const bool ok = nat44_rewrite(f, m, source, *parse_ipv4(to));
  return {ok, Bytes(frame.begin() + 14, frame.end())};
}

Bytes addr(const Bytes& ip, size_t at) { return Bytes(ip.begin() + static_cast<long>(at), ip.begin() + static_cast<long>(at) + 4); }

TEST(Nat44, TcpUdpAndEchoGetTheirAddressAndRightChecksums) {
  struct Case {
    const char* what;
    Bytes ip;
    bool source;
    bool l4_checksum;  // a TCP/UDP checksum to verify
  } cases[] = {
      {"TCP egress", with_l4_checksum(ipv4("10.0.1.10", "203.0.113.5", 6, tcp(40000, 443, 0x18, 5, {1, 2, 3}))), true, true},
      {"TCP ingress", with_l4_checksum(ipv4("203.0.113.5", "198.51.100.10", 6, tcp(443, 40000, 0x12))), false, true},
      {"UDP egress", with_l4_checksum(ipv4("10.0.1.10", "203.0.113.5", 17, udp(5353, 53, {9, 9, 9}))), true, true},
      {"UDP ingress", with_l4_checksum(ipv4("203.0.113.5", "198.51.100.10", 17, udp(53, 5353, {7}))), false, true},
      {"echo request egress", ipv4("10.0.1.10", "203.0.113.5", 1, icmp4(8, 0, 77, 1, {1, 2, 3, 4})), true, false},
      {"echo reply ingress", ipv4("203.0.113.5", "198.51.100.10", 1, icmp4(0, 0, 77, 1, {1, 2, 3, 4})), false, false},
  };
  for (const Case& c : cases) {
    const char* to = c.source ? "198.51.100.10" : "10.0.1.10";
    const Translated t = nat(c.ip, c.source, to);
    ASSERT_TRUE(t.ok) << c.what;
    EXPECT_EQ(addr(t.ip, c.source ? 12 : 16), ip4(to)) << c.what;
    EXPECT_EQ(addr(t.ip, c.source ? 16 : 12), addr(c.ip, c.source ? 16 : 12)) << c.what << ": the other end unchanged";
    EXPECT_TRUE(ipv4_header_checksum_ok(t.ip.data(), 20)) << c.what;
    if (c.l4_checksum) EXPECT_EQ(l4_residue(t.ip.data(), t.ip.size()), 0) << c.what;
    else EXPECT_EQ(checksum_finish(checksum_partial(t.ip.data() + 20, t.ip.size() - 20)).host(), 0) << c.what << ": ICMP";
  }
}

TEST(Nat44, AUdpChecksumOfZeroMeansNoneAndStaysZero) {
  const Translated t = nat(ipv4("10.0.1.10", "203.0.113.5", 17, udp(1, 2, {5})), true, "198.51.100.10");
  ASSERT_TRUE(t.ok);
  EXPECT_EQ(t.ip[26], 0);
  EXPECT_EQ(t.ip[27], 0);
}

TEST(Nat44, AnIcmpErrorsQuotedPacketIsTranslatedTooSoPathMtuWorks) {
  // Ingress: a router beyond the gateway says "fragmentation needed" about a
  // UDP datagram the VM sent (its source the public address, translated).
  const Bytes sent = with_l4_checksum(ipv4("198.51.100.10", "203.0.113.5", 17, udp(5353, 53, {1, 2, 3, 4, 5, 6})));
  const Bytes error_in = ipv4("192.0.2.1", "198.51.100.10", 1, icmp4(3, 4, 0, 1280, sent));
  Translated t = nat(error_in, false, "10.0.1.10");
  ASSERT_TRUE(t.ok);
  EXPECT_EQ(addr(t.ip, 16), ip4("10.0.1.10"));
  const uint8_t* quoted = t.ip.data() + 28;
  EXPECT_EQ(Bytes(quoted + 12, quoted + 16), ip4("10.0.1.10")) << "the quoted source is the VM's own";
  EXPECT_EQ(Bytes(quoted + 16, quoted + 20), ip4("203.0.113.5"));
  EXPECT_TRUE(ipv4_header_checksum_ok(t.ip.data(), 20));
  EXPECT_TRUE(ipv4_header_checksum_ok(quoted, 20)) << "the quoted header's checksum";
  EXPECT_EQ(l4_residue(quoted, sent.size()), 0) << "the quoted datagram's UDP checksum";
  EXPECT_EQ(checksum_finish(checksum_partial(t.ip.data() + 20, t.ip.size() - 20)).host(), 0) << "ICMP";

  // Egress: the VM reports a port unreachable about TCP from the internet
  // (its destination the private address): the quoted destination turns public.
  const Bytes got = with_l4_checksum(ipv4("203.0.113.5", "10.0.1.10", 6, tcp(443, 40000, 0x02)));
  t = nat(ipv4("10.0.1.10", "203.0.113.5", 1, icmp4(3, 3, 0, 0, got)), true, "198.51.100.10");
  ASSERT_TRUE(t.ok);
  quoted = t.ip.data() + 28;
  EXPECT_EQ(addr(t.ip, 12), ip4("198.51.100.10"));
  EXPECT_EQ(Bytes(quoted + 16, quoted + 20), ip4("198.51.100.10"));
  EXPECT_TRUE(ipv4_header_checksum_ok(quoted, 20));
  EXPECT_EQ(l4_residue(quoted, got.size()), 0) << "the quoted segment's TCP checksum";
  EXPECT_EQ(checksum_finish(checksum_partial(t.ip.data() + 20, t.ip.size() - 20)).host(), 0) << "ICMP";
}

TEST(Nat44, WhatCannotBeTranslatedWholeIsLeftAlone) {
  // An ICMP error quoting less than an IPv4 header.
  const Bytes stub = {0x45, 0, 0, 40, 0, 0};
  const Bytes short_error = ipv4("192.0.2.1", "198.51.100.10", 1, icmp4(3, 4, 0, 1280, stub));
  const Translated t = nat(short_error, false, "10.0.1.10");
  EXPECT_FALSE(t.ok);
  EXPECT_EQ(t.ip, short_error) << "nothing changed";
  // A non-first fragment: the IP header only (its first fragment's checksum covers the addresses).
  Ip4Opts frag;
  frag.frag = 0x0010;  // offset 128 bytes
  const Bytes piece = ipv4("10.0.1.10", "203.0.113.5", 17, Bytes(40, 0xab), frag);
  const Translated p = nat(piece, true, "198.51.100.10");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(addr(p.ip, 12), ip4("198.51.100.10"));
  EXPECT_TRUE(ipv4_header_checksum_ok(p.ip.data(), 20));
  EXPECT_EQ(Bytes(p.ip.begin() + 20, p.ip.end()), Bytes(40, 0xab)) << "the payload untouched";
}

}  // namespace
}  // namespace vfpath
