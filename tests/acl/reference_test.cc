// The linear-scan reference gives the hand-computed answers of every edge
// case (pure, no EAL): it is the oracle for the rte_acl tests.
#include "acl/reference.h"

#include <gtest/gtest.h>

#include "acl/method.h"

#include "edge_cases.h"

namespace acl {
namespace {

TEST(Reference, EdgeCaseTable) {
  for (const auto& c : testing::all_edge_cases()) {
    SCOPED_TRACE(c.proves);
    auto ref = LinearClassifier::build(c.family, c.rules);
    ASSERT_TRUE(ref.ok()) << ref.error().message;
    for (const auto& p : c.probes) {
      const uint8_t* key = p.key.data();
      uint32_t got = 99;
      ref.value().classify(&key, &got, 1);
      EXPECT_EQ(got, p.want) << p.what;
    }
  }
}

struct BadRule {
  const char* proves;
  Family family;
  Rule rule;
  Errc code;
};

TEST(Reference, RejectsMalformedRules) {
  const BadRule cases[] = {
      {"reversed sport range", Family::kIpv4, Rule{.sport = {10, 9}}, Errc::kReversedPortRange},
      {"reversed dport range", Family::kIpv4, Rule{.dport = {2, 1}}, Errc::kReversedPortRange},
      {"IPv4 prefix longer than 32", Family::kIpv4, Rule{.src_len = 33}, Errc::kInvalidArgument},
      {"IPv6 prefix longer than 128", Family::kIpv6,
       Rule{.family = Family::kIpv6, .dst_len = 129}, Errc::kInvalidArgument},
      {"IPv6 rule in an IPv4 classifier", Family::kIpv4, Rule{.family = Family::kIpv6},
       Errc::kInvalidArgument},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.proves);
    const Rule rules[] = {Rule{.family = c.family}, c.rule};
    auto r = LinearClassifier::build(c.family, rules);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, c.code);
    EXPECT_NE(r.error().message.find("rule 1"), std::string::npos) << r.error().message;
  }
}

TEST(Method, NamesRoundTripAndUnknownNamesAreRejected) {
  for (Method m : {Method::kAuto, Method::kScalar, Method::kSse, Method::kAvx2,
                   Method::kAvx512x16, Method::kAvx512x32}) {
    EXPECT_EQ(parse_method(method_name(m)), m) << method_name(m);
  }
  EXPECT_EQ(parse_method("neon"), std::nullopt);
  EXPECT_EQ(parse_method("AVX2"), std::nullopt) << "names are lower case";
  EXPECT_EQ(kPreferenceOrder[0], Method::kAvx512x32) << "fastest first";
}

}  // namespace
}  // namespace acl
