// ICMP/ICMPv6 errors: the quoted packet gives the key of the connection the
// error is about — the same key that connection's own packets build — or no
// key when the quote is unusable.
#include <gtest/gtest.h>

#include "conntrack/related.h"
#include "tests/conntrack/packets.h"

namespace vfpath::ct {
namespace {

using namespace test;
namespace t = vfpath::test;

Bytes cut(Bytes b, size_t n) { return t::truncate(std::move(b), std::min(n, b.size())); }

// The offending packets (as their sender emitted them) and their own keys.
const Bytes kTcpOut = t::ipv4("10.0.1.10", "198.51.100.7", 6, t::tcp(40000, 443, 0x10, 5, Bytes(100)));
const Bytes kUdpOut = t::ipv4("10.0.1.10", "198.51.100.7", 17, t::udp(5353, 53, Bytes(30)));
const Bytes kEchoOut = t::ipv4("10.0.1.10", "198.51.100.7", 1, t::icmp4(8, 0, 4242, 1, Bytes(20)));
const Bytes kTcpOptsOut = t::ipv4("10.0.1.10", "198.51.100.7", 6, t::tcp(40000, 443, 0x10), {.options = Bytes{1, 1, 1, 0}});

// An IPv6 extension header of `units` 8-byte units.
Bytes ext(uint8_t next, uint8_t units) {
  Bytes b(units * 8u, 0);
  b[0] = next;
  b[1] = static_cast<uint8_t>(units - 1);
  return b;
}

Bytes chain6(std::initializer_list<Bytes> exts, const Bytes& l4) {
  Bytes b;
  for (const Bytes& e : exts) t::append(b, e);
  t::append(b, l4);
  return b;
}
const Bytes kTcp6Out = t::ipv6("fd00::10", "2001:db8::7", 6, t::tcp(40000, 443, 0x10, 5, Bytes(60)));
const Bytes kTcp6ExtOut = t::ipv6("fd00::10", "2001:db8::7", 0,
                                  chain6({ext(60, 1), ext(43, 2), ext(6, 1)}, t::tcp(40000, 443, 0x10)));
const Bytes kTcp6FirstFragOut = t::ipv6("fd00::10", "2001:db8::7", 44, chain6({t::frag6(6, 0, true)}, t::tcp(40000, 443, 0x10)));
const Bytes kTcp6LaterFragOut = t::ipv6("fd00::10", "2001:db8::7", 44, chain6({t::frag6(6, 1280, false)}, Bytes(40)));
const Bytes kEcho6Out = t::icmp6_packet("fd00::10", "2001:db8::7", t::icmp6_body(128, 0, 99, 1, Bytes(8)));
Bytes many_ext6() {
  Bytes chain;
  for (int i = 0; i < 9; ++i) t::append(chain, ext(i == 8 ? 6 : 60, 1));
  t::append(chain, t::tcp(40000, 443, 0x10));
  return t::ipv6("fd00::10", "2001:db8::7", 60, chain);
}

KeyResult own_key(const Bytes& ip, bool v6) { return flow_key_of(parsed(v6 ? eth6(ip) : eth4(ip)).meta, 3); }

Parsed error4(uint8_t type, uint8_t code, const Bytes& quote) {
  return parsed(eth4(t::ipv4("192.0.2.1", "10.0.1.10", 1, t::icmp4(type, code, 0, 1400, quote))));
}
Parsed error6(uint8_t type, const Bytes& quote) {
  return parsed(eth6(t::icmp6_packet("2001:db8::1", "fd00::10", t::icmp6_body(type, 0, 0, 1280, quote))));
}

struct Case {
  const char* proves;
  Parsed error;
  bool has_key;
  Bytes offender;  // with has_key: the packet whose own key must match
  bool v6;
};

TEST(RelatedKey, QuotedTupleOrNoKey) {
  const Case cases[] = {
      {"v4 frag needed quoting TCP (IP header + 8 bytes)", error4(3, 4, cut(kTcpOut, 28)), true, kTcpOut, false},
      {"v4 port unreachable quoting UDP, whole packet", error4(3, 3, kUdpOut), true, kUdpOut, false},
      {"v4 time exceeded quoting an echo request", error4(11, 0, cut(kEchoOut, 28)), true, kEchoOut, false},
      {"v4 parameter problem quoting TCP with IP options", error4(12, 0, cut(kTcpOptsOut, 32)), true, kTcpOptsOut, false},
      {"v4 quote cut after the ports (4 bytes of L4) is enough", error4(3, 4, cut(kTcpOut, 24)), true, kTcpOut, false},
      {"v4 quote cut before the ports", error4(3, 4, cut(kTcpOut, 22)), false, {}, false},
      {"v4 quote of the IP header only", error4(3, 4, cut(kTcpOut, 20)), false, {}, false},
      {"v4 quote cut inside the IP header", error4(3, 4, cut(kTcpOut, 12)), false, {}, false},
      {"v4 empty quote", error4(3, 4, {}), false, {}, false},
      {"v4 quote of an ICMP error (errors about errors)",
       error4(11, 0, t::ipv4("10.0.1.10", "192.0.2.1", 1, t::icmp4(3, 3, 0, 0, cut(kUdpOut, 28)))), false, {}, false},
      {"v4 quote of a non-first fragment", error4(3, 4, cut(t::ipv4("10.0.1.10", "198.51.100.7", 17, Bytes(40), {.frag = 0x0010}), 28)), false, {}, false},
      {"v4 error quoting an IPv6 packet", error4(3, 4, cut(kTcp6Out, 48)), false, {}, false},
      {"v6 packet too big quoting TCP", error6(2, cut(kTcp6Out, 1232)), true, kTcp6Out, true},
      {"v6 unreachable quoting TCP behind dest-opts and routing headers", error6(1, kTcp6ExtOut), true, kTcp6ExtOut, true},
      {"v6 time exceeded quoting a first fragment", error6(3, kTcp6FirstFragOut), true, kTcp6FirstFragOut, true},
      {"v6 quote of a non-first fragment", error6(3, kTcp6LaterFragOut), false, {}, true},
      {"v6 parameter problem quoting an echo request", error6(4, kEcho6Out), true, kEcho6Out, true},
      {"v6 quote cut inside an extension header", error6(1, cut(kTcp6ExtOut, 40 + 8 + 10)), false, {}, true},
      {"v6 quote cut before the ports", error6(1, cut(kTcp6ExtOut, 40 + 32 + 2)), false, {}, true},
      {"v6 quote cut inside the IPv6 header", error6(2, cut(kTcp6Out, 30)), false, {}, true},
      {"v6 quote with nine extension headers", error6(1, many_ext6()), false, {}, true},
      {"v6 error quoting an IPv4 packet", error6(1, kTcpOut), false, {}, true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.proves);
    ASSERT_EQ(flow_key_of(c.error.meta, 3).status, KeyStatus::kIcmpError);
    KeyResult got;
    bool ok = related_key(c.error.frame.data(), static_cast<uint32_t>(c.error.frame.size()), c.error.meta, 3, got);
    ASSERT_EQ(ok, c.has_key);
    if (!ok) continue;
    KeyResult want = own_key(c.offender, c.v6);
    ASSERT_EQ(want.status, KeyStatus::kOk);
    EXPECT_TRUE(got.key == want.key);
    EXPECT_EQ(got.src_side, want.src_side) << "the quoted packet's sender is the offender's side";
  }
}

// The quote is read only within the readable bytes: cutting the frame (not
// the IP lengths) at every point never reads past it and never invents a key.
TEST(RelatedKey, EveryCutOfTheFrameIsBounded) {
  Parsed e = error6(1, kTcp6ExtOut);
  for (uint32_t n = 0; n < e.frame.size(); ++n) {
    Bytes copy(e.frame.begin(), e.frame.begin() + n);
    KeyResult k;
    bool ok = related_key(copy.data(), n, e.meta, 3, k);
    uint32_t needed = 14 + 40 + 8 + 40 + 8 + 16 + 8 + 4;  // through the quoted ports
    EXPECT_EQ(ok, n >= needed) << n;
  }
}

}  // namespace
}  // namespace vfpath::ct
