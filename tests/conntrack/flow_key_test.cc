// The key: one canonical form for both directions, the originator's side,
// the echo id as port, and a symmetric hash that spreads over workers.
#include <gtest/gtest.h>

#include <set>

#include "conntrack/flow_key.h"
#include "tests/conntrack/packets.h"

namespace vfpath::ct {
namespace {

using namespace test;

struct PairCase {
  const char* proves;
  Parsed forward;
  Parsed backward;
};

// Each case is a packet and its reply: same key, opposite sides.
TEST(FlowKey, BothDirectionsBuildTheSameKey) {
  const PairCase cases[] = {
      {"UDP v4", udp4("10.0.1.10", "10.0.2.10", 1234, 53), udp4("10.0.2.10", "10.0.1.10", 53, 1234)},
      {"TCP v4, higher address first", tcp4("10.0.2.10", "10.0.1.10", 40000, 80, 2),
       tcp4("10.0.1.10", "10.0.2.10", 80, 40000, 0x12)},
      {"same address, ports decide", udp4("10.0.1.10", "10.0.1.10", 9000, 53), udp4("10.0.1.10", "10.0.1.10", 53, 9000)},
      {"UDP v6", udp6("fd00::1", "fd00::2", 5000, 6000), udp6("fd00::2", "fd00::1", 6000, 5000)},
      {"ICMP echo request/reply, id as port", echo4("10.0.1.10", "10.0.2.10", 8, 77), echo4("10.0.2.10", "10.0.1.10", 0, 77)},
      {"ICMPv6 echo request/reply", echo6("fd00::2", "fd00::1", 128, 99), echo6("fd00::1", "fd00::2", 129, 99)},
      {"other protocol (GRE) by addresses", proto4("10.0.1.10", "10.0.2.10", 47), proto4("10.0.2.10", "10.0.1.10", 47)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.proves);
    KeyResult f = flow_key_of(c.forward.meta, 7), b = flow_key_of(c.backward.meta, 7);
    ASSERT_EQ(f.status, KeyStatus::kOk);
    ASSERT_EQ(b.status, KeyStatus::kOk);
    EXPECT_TRUE(f.key == b.key);
    EXPECT_EQ(flow_hash(f.key), flow_hash(b.key));
    EXPECT_NE(f.src_side, b.src_side);
    EXPECT_EQ(f.key.zone, 7);
  }
}

TEST(FlowKey, EchoIdIsThePortAndDistinguishesSessions) {
  KeyResult a = flow_key_of(echo4("10.0.1.10", "10.0.2.10", 8, 1).meta, 0);
  KeyResult b = flow_key_of(echo4("10.0.1.10", "10.0.2.10", 8, 2).meta, 0);
  EXPECT_EQ(a.key.port_a.host(), 1);
  EXPECT_EQ(a.key.port_b.host(), 0);
  EXPECT_FALSE(a.key == b.key);
}

TEST(FlowKey, ZoneSeparatesOtherwiseEqualFlows) {
  Parsed p = udp4("10.0.1.10", "10.0.2.10", 1234, 53);
  EXPECT_FALSE(flow_key_of(p.meta, 1).key == flow_key_of(p.meta, 2).key);
}

TEST(FlowKey, StatusForPacketsWithoutAFlowKey) {
  using vfpath::test::ipv4;
  struct Case {
    const char* proves;
    Parsed p;
    KeyStatus want;
  } cases[] = {
      {"ICMP error goes to related_key", parsed(eth4(ipv4("10.0.2.1", "10.0.1.10", 1, vfpath::test::icmp4(3, 4, 0, 1400)))),
       KeyStatus::kIcmpError},
      {"ICMPv6 packet too big likewise", parsed(eth6(vfpath::test::icmp6_packet("fd00::9", "fd00::1", vfpath::test::icmp6_body(2, 0)))),
       KeyStatus::kIcmpError},
      {"non-first UDP fragment has no ports",
       parsed(eth4(ipv4("10.0.1.10", "10.0.2.10", 17, Bytes(16), {.frag = 0x0002}))), KeyStatus::kNoPorts},
      {"ARP is not IP", parsed(vfpath::test::eth("ff:ff:ff:ff:ff:ff", vfpath::test::kVm1Mac, 0x0806,
                                                 vfpath::test::arp(1, vfpath::test::kVm1Mac, "10.0.1.10", "00:00:00:00:00:00", "10.0.1.1"))),
       KeyStatus::kNotIp},
      {"ICMP timestamp keys by addresses", parsed(eth4(ipv4("10.0.1.10", "10.0.2.10", 1, vfpath::test::icmp4(13, 0, 5, 1)))),
       KeyStatus::kOk},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.proves);
    EXPECT_EQ(flow_key_of(c.p.meta, 0).status, c.want);
  }
}

// 64K distinct flows over 4 workers: each gets a fair share (within 5%).
TEST(FlowHash, SpreadsOverWorkers) {
  uint32_t per_worker[4] = {};
  std::set<uint64_t> hashes;
  for (uint32_t i = 0; i < 65536; ++i) {
    IpAddr s{}, d{};
    s.words[0] = 0x0a000000u + i;
    d.words[0] = 0x0a010001u;
    KeyResult k = make_key(0, 4, 6, s, d, be16::from_host(static_cast<uint16_t>(1024 + i % 50000)), be16::from_host(443), false);
    uint64_t h = flow_hash(k.key);
    hashes.insert(h);
    ++per_worker[owner_worker(h, 4)];
  }
  EXPECT_EQ(hashes.size(), 65536u);
  for (uint32_t n : per_worker) EXPECT_NEAR(n, 16384.0, 16384.0 * 0.05);
}

}  // namespace
}  // namespace vfpath::ct
