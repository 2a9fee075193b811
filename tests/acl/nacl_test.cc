// NACL semantics (pure, no EAL): validation errors, evaluation order,
// implicit deny, defaults, and that the compiled classifier rules (run
// through the linear-scan reference) give the same verdict as evaluate().
#include "acl/nacl.h"

#include <gtest/gtest.h>

#include "acl/nacl_compile.h"
#include "acl/reference.h"

namespace acl::nacl {
namespace {

using D = Direction;
constexpr Action kAllow = Action::kAllow;
constexpr Action kDeny = Action::kDeny;

Address ip(const char* text) {
  const Family f = std::string_view(text).find(':') != std::string_view::npos ? Family::kIpv6
                                                                             : Family::kIpv4;
  return parse_address(text, f).value();
}

FiveTuple pkt(const char* src, const char* dst, uint8_t proto, uint16_t sport, uint16_t dport) {
  const Family f = std::string_view(src).find(':') != std::string_view::npos ? Family::kIpv6
                                                                            : Family::kIpv4;
  return FiveTuple{f, ip(src), ip(dst), sport, dport, proto};
}

// Verdict through compile() + a classifier over the compiled rules.
Verdict classified(const Nacl& n, D dir, const FiveTuple& p) {
  const CompiledNacl c = compile(n, dir, p.family);
  auto ref = LinearClassifier::build(p.family, c.rules);
  EXPECT_TRUE(ref.ok());
  const uint32_t u = p.family == Family::kIpv4 ? ref.value().match(to_ipv4_key(p))
                                               : ref.value().match(to_ipv6_key(p));
  EXPECT_LT(u, c.verdicts.size());
  return c.verdict(u);
}

struct EvalCase {
  const char* proves;
  std::vector<RuleSpec> ingress;
  std::vector<RuleSpec> egress;
  D dir;
  FiveTuple packet;
  Verdict want;
};

class NaclEval : public ::testing::TestWithParam<EvalCase> {};

TEST_P(NaclEval, EvaluateAndCompiledFormAgree) {
  const EvalCase& c = GetParam();
  SCOPED_TRACE(c.proves);
  auto n = Nacl::from_specs(c.ingress, c.egress);
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(n.value().evaluate(c.dir, c.packet), c.want);
  EXPECT_EQ(classified(n.value(), c.dir, c.packet), c.want);
}

const RuleSpec kDenyHost10{.number = 10, .action = kDeny, .cidr = "203.0.113.7/32"};
const RuleSpec kAllowNet20{.number = 20, .action = kAllow, .cidr = "203.0.113.0/24"};
const RuleSpec kAllowHost10{.number = 10, .action = kAllow, .cidr = "203.0.113.7/32"};
const RuleSpec kDenyNet20{.number = 20, .action = kDeny, .cidr = "203.0.113.0/24"};
const RuleSpec kAllowHttps{.number = 100, .action = kAllow, .cidr = "0.0.0.0/0",
                           .protocol = "tcp", .port_from = 443, .port_to = 443};
const RuleSpec kAllowEphemeral{.number = 100, .action = kAllow, .cidr = "0.0.0.0/0",
                               .protocol = "tcp", .port_from = 1024, .port_to = 65535};

INSTANTIATE_TEST_SUITE_P(
    Table, NaclEval,
    ::testing::Values(
        EvalCase{"a lower-numbered deny shadows a higher allow", {kAllowNet20, kDenyHost10}, {},
                 D::kIngress, pkt("203.0.113.7", "10.0.0.1", 6, 5555, 22), {kDeny, 10}},
        EvalCase{"the higher allow still applies to the rest of its prefix",
                 {kAllowNet20, kDenyHost10}, {}, D::kIngress,
                 pkt("203.0.113.8", "10.0.0.1", 6, 5555, 22), {kAllow, 20}},
        EvalCase{"a lower-numbered allow shadows a higher deny", {kDenyNet20, kAllowHost10}, {},
                 D::kIngress, pkt("203.0.113.7", "10.0.0.1", 17, 5555, 53), {kAllow, 10}},
        EvalCase{"the higher deny applies to the rest of its prefix", {kDenyNet20, kAllowHost10},
                 {}, D::kIngress, pkt("203.0.113.9", "10.0.0.1", 17, 5555, 53), {kDeny, 20}},
        EvalCase{"no matching entry: implicit deny (rule 0)", {kAllowHttps}, {}, D::kIngress,
                 pkt("198.51.100.1", "10.0.0.1", 6, 40000, 80), {kDeny, 0}},
        EvalCase{"ingress matches the SOURCE CIDR and the destination port", {kAllowHttps}, {},
                 D::kIngress, pkt("198.51.100.1", "10.0.0.1", 6, 40000, 443), {kAllow, 100}},
        EvalCase{"the port range is the destination port, not the source", {kAllowHttps}, {},
                 D::kIngress, pkt("198.51.100.1", "10.0.0.1", 6, 443, 40000), {kDeny, 0}},
        EvalCase{"egress reply to a client's ephemeral port is allowed", {}, {kAllowEphemeral},
                 D::kEgress, pkt("10.0.0.1", "198.51.100.1", 6, 443, 1024), {kAllow, 100}},
        EvalCase{"ephemeral range upper edge 65535", {}, {kAllowEphemeral}, D::kEgress,
                 pkt("10.0.0.1", "198.51.100.1", 6, 443, 65535), {kAllow, 100}},
        EvalCase{"port 1023 is below the ephemeral range", {}, {kAllowEphemeral}, D::kEgress,
                 pkt("10.0.0.1", "198.51.100.1", 6, 443, 1023), {kDeny, 0}},
        EvalCase{"a tcp rule does not match udp", {}, {kAllowEphemeral}, D::kEgress,
                 pkt("10.0.0.1", "198.51.100.1", 17, 443, 2000), {kDeny, 0}},
        EvalCase{"egress matches the DESTINATION CIDR",
                 {}, {RuleSpec{.number = 5, .action = kAllow, .cidr = "192.0.2.0/24"}}, D::kEgress,
                 pkt("192.0.2.1", "198.51.100.1", 6, 1, 2), {kDeny, 0}},
        EvalCase{"rules of the other direction are ignored", {kAllowHttps}, {}, D::kEgress,
                 pkt("10.0.0.1", "198.51.100.1", 6, 40000, 443), {kDeny, 0}},
        EvalCase{"an IPv4 entry never matches IPv6 traffic",
                 {RuleSpec{.number = 1, .action = kAllow, .cidr = "0.0.0.0/0"}}, {}, D::kIngress,
                 pkt("2001:db8::1", "2001:db8::2", 6, 1, 2), {kDeny, 0}},
        EvalCase{"IPv6 entries evaluate in number order too",
                 {RuleSpec{.number = 7, .action = kDeny, .cidr = "2001:db8::/32",
                           .protocol = "udp"},
                  RuleSpec{.number = 3, .action = kAllow, .cidr = "2001:db8:1::/48"}},
                 {}, D::kIngress, pkt("2001:db8:1::5", "2001:db8::2", 17, 1, 53), {kAllow, 3}},
        EvalCase{"icmp type/code: echo request allowed, other ICMP denied by the next rule",
                 {RuleSpec{.number = 1, .action = kAllow, .cidr = "0.0.0.0/0", .protocol = "icmp",
                           .icmp_type = 8, .icmp_code = 0},
                  RuleSpec{.number = 2, .action = kDeny, .cidr = "0.0.0.0/0", .protocol = "1"}},
                 {}, D::kIngress, pkt("192.0.2.1", "10.0.0.1", 1, 3, 4), {kDeny, 2}},
        EvalCase{"icmp echo request matches type 8 code 0",
                 {RuleSpec{.number = 1, .action = kAllow, .cidr = "0.0.0.0/0", .protocol = "icmp",
                           .icmp_type = 8, .icmp_code = 0}},
                 {}, D::kIngress, pkt("192.0.2.1", "10.0.0.1", 1, 8, 0), {kAllow, 1}},
        EvalCase{"icmpv6 with type -1 matches any type",
                 {RuleSpec{.number = 1, .action = kAllow, .cidr = "::/0", .protocol = "icmpv6"}},
                 {}, D::kIngress, pkt("2001:db8::1", "2001:db8::2", 58, 135, 0), {kAllow, 1}},
        EvalCase{"protocol number (gre 47) matches only that protocol",
                 {RuleSpec{.number = 1, .action = kAllow, .cidr = "0.0.0.0/0", .protocol = "47"}},
                 {}, D::kIngress, pkt("192.0.2.1", "10.0.0.1", 50, 0, 0), {kDeny, 0}}));

TEST(Nacl, DefaultAllowsEverythingBothFamiliesBothDirections) {
  const Nacl n = Nacl::default_allow();
  for (D dir : {D::kIngress, D::kEgress}) {
    EXPECT_EQ(n.evaluate(dir, pkt("1.2.3.4", "5.6.7.8", 6, 1, 2)), (Verdict{kAllow, 100}));
    EXPECT_EQ(n.evaluate(dir, pkt("::1", "::2", 17, 1, 2)), (Verdict{kAllow, 101}));
    EXPECT_EQ(classified(n, dir, pkt("1.2.3.4", "5.6.7.8", 0, 0, 0)), (Verdict{kAllow, 100}));
    EXPECT_EQ(classified(n, dir, pkt("::1", "::2", 255, 65535, 65535)), (Verdict{kAllow, 101}));
  }
}

TEST(Nacl, NewCustomNaclDeniesEverything) {
  const Nacl n = Nacl::deny_all();
  for (D dir : {D::kIngress, D::kEgress}) {
    EXPECT_EQ(n.evaluate(dir, pkt("1.2.3.4", "5.6.7.8", 6, 1, 2)), (Verdict{kDeny, 0}));
    EXPECT_EQ(classified(n, dir, pkt("::1", "::2", 6, 1, 2)), (Verdict{kDeny, 0}));
  }
}

TEST(Nacl, CompiledVerdictTableIndexesRulesInNumberOrder) {
  auto n = Nacl::from_specs(std::vector<RuleSpec>{kAllowNet20, kDenyHost10,
                                                  RuleSpec{.number = 15, .action = kAllow,
                                                           .cidr = "::/0"}},
                            {});
  ASSERT_TRUE(n.ok());
  const CompiledNacl v4 = compile(n.value(), D::kIngress, Family::kIpv4);
  ASSERT_EQ(v4.rules.size(), 2u) << "IPv6 entry 15 belongs to the IPv6 table";
  EXPECT_EQ(v4.verdicts,
            (std::vector<Verdict>{{kDeny, 0}, {kDeny, 10}, {kAllow, 20}}))
      << "userdata 0 = implicit deny, then entries by number; userdata = counter index";
  const CompiledNacl v6 = compile(n.value(), D::kIngress, Family::kIpv6);
  EXPECT_EQ(v6.verdicts, (std::vector<Verdict>{{kDeny, 0}, {kAllow, 15}}));
}

struct BadSpec {
  const char* proves;
  RuleSpec spec;
  Errc code;
  const char* message_has;
};

class NaclValidate : public ::testing::TestWithParam<BadSpec> {};

TEST_P(NaclValidate, PreciseError) {
  const BadSpec& c = GetParam();
  SCOPED_TRACE(c.proves);
  auto r = validate(c.spec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, c.code) << r.error().message;
  EXPECT_NE(r.error().message.find(c.message_has), std::string::npos) << r.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Table, NaclValidate,
    ::testing::Values(
        BadSpec{"number 0 is below the range", {.number = 0, .cidr = "0.0.0.0/0"},
                Errc::kRuleNumberOutOfRange, "rule number 0"},
        BadSpec{"number 32767 is above the range", {.number = 32767, .cidr = "0.0.0.0/0"},
                Errc::kRuleNumberOutOfRange, "1..32766"},
        BadSpec{"unparsable CIDR", {.number = 5, .cidr = "10.0.0/8"}, Errc::kBadCidr, "rule 5"},
        BadSpec{"host bits set names the canonical form", {.number = 6, .cidr = "10.0.0.1/8"},
                Errc::kHostBitsSet, "10.0.0.0/8"},
        BadSpec{"IPv6 host bits", {.number = 6, .cidr = "2001:db8::1/32"}, Errc::kHostBitsSet,
                "2001:db8::/32"},
        BadSpec{"reversed port range", {.number = 7, .cidr = "0.0.0.0/0", .protocol = "tcp",
                                        .port_from = 2000, .port_to = 1000},
                Errc::kReversedPortRange, "2000-1000"},
        BadSpec{"port above 65535", {.number = 8, .cidr = "0.0.0.0/0", .protocol = "udp",
                                     .port_from = 1, .port_to = 65536},
                Errc::kInvalidArgument, "65536"},
        BadSpec{"protocol 256", {.number = 9, .cidr = "0.0.0.0/0", .protocol = "256"},
                Errc::kProtocolOutOfRange, "'256'"},
        BadSpec{"protocol -2", {.number = 9, .cidr = "0.0.0.0/0", .protocol = "-2"},
                Errc::kProtocolOutOfRange, "'-2'"},
        BadSpec{"unknown protocol name", {.number = 9, .cidr = "0.0.0.0/0", .protocol = "sctp"},
                Errc::kProtocolOutOfRange, "'sctp'"},
        BadSpec{"ICMP type out of range", {.number = 11, .cidr = "0.0.0.0/0",
                                           .protocol = "icmp", .icmp_type = 256},
                Errc::kInvalidArgument, "ICMP type 256"}));

TEST(Nacl, DuplicateRuleNumberInOneDirection) {
  Nacl n = Nacl::deny_all();
  ASSERT_TRUE(n.add(D::kIngress, kAllowHttps).ok());
  const auto st = n.add(D::kIngress, RuleSpec{.number = 100, .cidr = "::/0"});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::kDuplicateRuleNumber);
  EXPECT_NE(st.error().message.find("100"), std::string::npos);
  EXPECT_TRUE(n.add(D::kEgress, kAllowHttps).ok()) << "numbers are per direction";
}

TEST(Nacl, FromSpecsNamesTheDirection) {
  const RuleSpec bad{.number = 40000, .cidr = "0.0.0.0/0"};
  auto n = Nacl::from_specs({}, std::vector<RuleSpec>{bad});
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().code, Errc::kRuleNumberOutOfRange);
  EXPECT_EQ(n.error().message.rfind("egress", 0), 0u) << n.error().message;
}

TEST(Nacl, RuleLimitPerDirectionAndFamilyIsEnforcedAndRaisable) {
  auto fill = [](Nacl& n, int count, const char* cidr, int first) {
    for (int i = 0; i < count; ++i) {
      const auto st = n.add(D::kIngress, RuleSpec{.number = first + i, .cidr = cidr});
      if (!st) return st;
    }
    return Status{Ok{}};
  };
  Nacl n = Nacl::deny_all();
  ASSERT_TRUE(fill(n, 20, "10.0.0.0/8", 1).ok());
  ASSERT_TRUE(fill(n, 20, "2001:db8::/32", 100).ok()) << "IPv6 has its own quota";
  const auto st = fill(n, 1, "10.0.0.0/8", 50);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::kRuleLimitExceeded);
  EXPECT_NE(st.error().message.find("limit of 20"), std::string::npos) << st.error().message;
  EXPECT_TRUE(fill(n, 1, "10.0.0.0/8", 1).error().code == Errc::kDuplicateRuleNumber);

  Nacl big = Nacl::deny_all(Limits{.max_rules_per_direction = 40});
  EXPECT_TRUE(fill(big, 40, "10.0.0.0/8", 1).ok());
}

TEST(Nacl, RemoveDeletesOnlyThatEntry) {
  Nacl n = Nacl::deny_all();
  ASSERT_TRUE(n.add(D::kIngress, kDenyHost10).ok());
  ASSERT_TRUE(n.add(D::kIngress, kAllowNet20).ok());
  EXPECT_FALSE(n.remove(D::kEgress, 10));
  EXPECT_TRUE(n.remove(D::kIngress, 10));
  EXPECT_EQ(n.evaluate(D::kIngress, pkt("203.0.113.7", "10.0.0.1", 6, 1, 2)),
            (Verdict{kAllow, 20}));
}

TEST(Nacl, CidrsAreStoredCanonically) {
  Nacl n = Nacl::deny_all();
  ASSERT_TRUE(n.add(D::kIngress, RuleSpec{.number = 1, .cidr = "2001:0DB8:0000::/32"}).ok());
  EXPECT_EQ(to_string(n.rules(D::kIngress).front().cidr), "2001:db8::/32");
}

}  // namespace
}  // namespace acl::nacl
