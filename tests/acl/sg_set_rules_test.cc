// Set rules against an address-set table, table-driven: key in -> the rule
// number that allows it (0: none). The peer is the source for ingress and
// the destination for egress; protocol, ports and ICMP type/code match as in
// any rule; sets are kept apart by key and looked up by longest prefix.
#include "acl/sg_set_rules.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <vector>

#include "acl/keys.h"

namespace vfpath {
namespace {

using acl::nacl::Direction;

PrefixAddr v4(const char* text) {
  PrefixAddr a;
  inet_pton(AF_INET, text, a.addr.bytes);
  return a;
}
PrefixAddr v6(const char* text) {
  PrefixAddr a;
  a.ipv6 = true;
  inet_pton(AF_INET6, text, a.addr.bytes);
  return a;
}

SgSetRule rule(uint16_t number, int16_t protocol, uint16_t lo, uint16_t hi, uint16_t set, int16_t type = -1) {
  SgSetRule r;
  r.match.number = number;
  r.match.action = acl::nacl::Action::kAllow;
  r.match.protocol = protocol;
  r.match.ports = {lo, hi};
  r.match.icmp_type = type;
  r.set = set;
  return r;
}

acl::Ipv4Key key4(const char* src, const char* dst, uint8_t proto, uint16_t sport, uint16_t dport) {
  acl::Ipv4Key k;
  k.proto = proto;
  inet_pton(AF_INET, src, &k.src);
  inet_pton(AF_INET, dst, &k.dst);
  k.sport = htons(sport);
  k.dport = htons(dport);
  return k;
}

TEST(SgSetRules, PeerProtocolPortsAndSetsDecide) {
  AddressSets sets(64);
  ASSERT_EQ(sets.put(1, v4("10.0.1.10"), 32), PrefixUpdate::kAdded);  // group members
  ASSERT_EQ(sets.put(1, v4("10.0.1.11"), 32), PrefixUpdate::kAdded);
  ASSERT_EQ(sets.put(2, v4("192.0.2.0"), 24), PrefixUpdate::kAdded);  // a prefix list
  ASSERT_EQ(sets.put(2, v4("198.51.100.128"), 25), PrefixUpdate::kAdded);
  const std::vector<SgSetRule> rules = {rule(3, 6, 80, 80, 1), rule(4, 6, 443, 443, 2), rule(5, 1, 0, 65535, 2, 8)};
  struct Case {
    const char* what;
    acl::Ipv4Key key;
    Direction dir;
    uint16_t want;
  } cases[] = {
      {"member to :80", key4("10.0.1.10", "10.0.2.10", 6, 40000, 80), Direction::kIngress, 3},
      {"other member", key4("10.0.1.11", "10.0.2.10", 6, 40000, 80), Direction::kIngress, 3},
      {"not a member", key4("10.0.1.12", "10.0.2.10", 6, 40000, 80), Direction::kIngress, 0},
      {"member, wrong port", key4("10.0.1.10", "10.0.2.10", 6, 40000, 81), Direction::kIngress, 0},
      {"member, UDP", key4("10.0.1.10", "10.0.2.10", 17, 40000, 80), Direction::kIngress, 0},
      {"in the list's /24", key4("192.0.2.77", "10.0.2.10", 6, 40000, 443), Direction::kIngress, 4},
      {"in the list's /25", key4("198.51.100.200", "10.0.2.10", 6, 40000, 443), Direction::kIngress, 4},
      {"outside the /25", key4("198.51.100.100", "10.0.2.10", 6, 40000, 443), Direction::kIngress, 0},
      {"a member is not on the list", key4("10.0.1.10", "10.0.2.10", 6, 40000, 443), Direction::kIngress, 0},
      {"egress: the peer is the destination", key4("10.0.2.10", "10.0.1.10", 6, 40000, 80), Direction::kEgress, 3},
      {"egress: the source does not count", key4("10.0.1.10", "10.0.2.10", 6, 40000, 80), Direction::kEgress, 0},
      {"ICMP echo from the list", key4("192.0.2.1", "10.0.2.10", 1, 8, 0), Direction::kIngress, 5},
      {"ICMP of another type", key4("192.0.2.1", "10.0.2.10", 1, 0, 0), Direction::kIngress, 0},
  };
  for (const Case& c : cases)
    EXPECT_EQ(match_set_rules(rules, sets, reinterpret_cast<const uint8_t*>(&c.key), false, c.dir), c.want) << c.what;

  // In place: a member leaves, another joins.
  ASSERT_EQ(sets.remove(1, v4("10.0.1.10"), 32), PrefixUpdate::kRemoved);
  ASSERT_EQ(sets.put(1, v4("10.0.1.12"), 32), PrefixUpdate::kAdded);
  const auto gone = key4("10.0.1.10", "10.0.2.10", 6, 40000, 80), joined = key4("10.0.1.12", "10.0.2.10", 6, 40000, 80);
  EXPECT_EQ(match_set_rules(rules, sets, reinterpret_cast<const uint8_t*>(&gone), false, Direction::kIngress), 0);
  EXPECT_EQ(match_set_rules(rules, sets, reinterpret_cast<const uint8_t*>(&joined), false, Direction::kIngress), 3);
}

TEST(SgSetRules, Ipv6PeersAndTheAnyProtocolRule) {
  AddressSets sets(64);
  ASSERT_EQ(sets.put(7, v6("fd00:10:0:1::10"), 128), PrefixUpdate::kAdded);
  ASSERT_EQ(sets.put(7, v4("10.0.1.10"), 32), PrefixUpdate::kAdded);  // the same group's IPv4 member
  ASSERT_EQ(sets.put(8, v6("2001:db8::"), 32), PrefixUpdate::kAdded);
  const std::vector<SgSetRule> rules = {rule(1, acl::nacl::kAnyProtocol, 0, 65535, 7), rule(2, 17, 53, 53, 8)};
  auto key6 = [](const char* src, const char* dst, uint8_t proto, uint16_t dport) {
    acl::Ipv6Key k{};
    k.proto = proto;
    inet_pton(AF_INET6, src, k.src);
    inet_pton(AF_INET6, dst, k.dst);
    k.dport = htons(dport);
    return k;
  };
  const acl::Ipv6Key member = key6("fd00:10:0:1::10", "fd00:10:0:2::10", 58, 0);
  const acl::Ipv6Key stranger = key6("fd00:10:0:1::11", "fd00:10:0:2::10", 6, 22);
  const acl::Ipv6Key dns = key6("2001:db8:5::1", "fd00:10:0:2::10", 17, 53);
  const acl::Ipv6Key outside = key6("2001:db9::1", "fd00:10:0:2::10", 17, 53);
  auto match = [&](const acl::Ipv6Key& k) {
    return match_set_rules(rules, sets, reinterpret_cast<const uint8_t*>(&k), true, Direction::kIngress);
  };
  EXPECT_EQ(match(member), 1) << "any protocol from a member";
  EXPECT_EQ(match(stranger), 0);
  EXPECT_EQ(match(dns), 2);
  EXPECT_EQ(match(outside), 0);
  EXPECT_EQ(match_set_rules({}, sets, reinterpret_cast<const uint8_t*>(&member), true, Direction::kIngress), 0)
      << "no set rules, no match";
}

}  // namespace
}  // namespace vfpath
