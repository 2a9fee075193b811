// The small classifier against the linear-scan reference: random rule sets
// of up to 64 rules (both families, both code paths) and keys aimed at the
// rules' edges, plus the limits of its contract. No EAL.
#include "acl/small_classifier.h"

#include <gtest/gtest.h>

#include <random>

#include "acl/reference.h"

namespace acl {
namespace {

Rule random_rule(std::mt19937& g, Family f) {
  Rule r;
  r.family = f;
  const uint8_t max_len = max_prefix_len(f);
  for (int i = 0; i < (f == Family::kIpv4 ? 4 : 16); ++i) {
    r.src.bytes[i] = static_cast<uint8_t>(g() % 4);  // few distinct values: overlaps happen
    r.dst.bytes[i] = static_cast<uint8_t>(g() % 4);
  }
  r.src_len = static_cast<uint8_t>(g() % (max_len + 1));
  r.dst_len = static_cast<uint8_t>(g() % (max_len + 1));
  auto range = [&](PortRange& p) {
    static const uint16_t edges[] = {0, 1, 52, 53, 54, 1023, 1024, 65279, 65280, 65281, 65535};
    uint16_t a = edges[g() % 11], b = edges[g() % 11];
    p = {std::min(a, b), std::max(a, b)};
  };
  range(r.sport);
  range(r.dport);
  if (g() % 3) {
    r.proto = static_cast<uint8_t>(g() % 3 == 0 ? 6 : g() % 3 == 1 ? 17 : 1);
    r.proto_mask = 0xff;
  }
  // The mask of a prefix: keep only the network bits, as canonical rules do.
  return r;
}

template <typename Key>
Key random_key(std::mt19937& g, Family f) {
  static const uint16_t ports[] = {0, 1, 52, 53, 54, 1023, 1024, 65279, 65280, 65281, 65535, 80, 443};
  Address s, d;
  for (int i = 0; i < (f == Family::kIpv4 ? 4 : 16); ++i) {
    s.bytes[i] = static_cast<uint8_t>(g() % 4);
    d.bytes[i] = static_cast<uint8_t>(g() % 4);
  }
  uint8_t proto = static_cast<uint8_t>(g() % 4 == 0 ? 6 : g() % 4 == 1 ? 17 : g() % 4 == 2 ? 1 : g() % 256);
  if constexpr (sizeof(Key) == sizeof(Ipv4Key))
    return make_ipv4_key(s.v4_host(), d.v4_host(), ports[g() % 13], ports[g() % 13], proto);
  else
    return make_ipv6_key(s, d, ports[g() % 13], ports[g() % 13], proto);
}

template <typename Key>
void agree_with_reference(Family f, bool scalar) {
  std::mt19937 g(f == Family::kIpv4 ? 1 : 2);
  for (int set = 0; set < 200; ++set) {
    std::vector<Rule> rules;
    size_t n = g() % (SmallClassifier::kMaxRules + 1);
    for (size_t i = 0; i < n; ++i) rules.push_back(random_rule(g, f));
    auto small = SmallClassifier::build(f, rules, scalar);
    auto ref = LinearClassifier::build(f, rules);
    ASSERT_TRUE(small.ok() && ref.ok());
    std::vector<Key> keys(64);
    std::vector<const uint8_t*> ptrs;
    for (auto& k : keys) {
      k = random_key<Key>(g, f);
      ptrs.push_back(reinterpret_cast<const uint8_t*>(&k));
    }
    std::vector<uint32_t> got(64), want(64);
    small.value().classify(ptrs.data(), got.data(), 64);
    ref.value().classify(ptrs.data(), want.data(), 64);
    ASSERT_EQ(got, want) << "rule set " << set << " of " << n << " rules";
  }
}

TEST(SmallClassifier, Ipv4AgreesWithTheLinearScan) { agree_with_reference<Ipv4Key>(Family::kIpv4, false); }
TEST(SmallClassifier, Ipv6AgreesWithTheLinearScan) { agree_with_reference<Ipv6Key>(Family::kIpv6, false); }
TEST(SmallClassifier, ScalarIpv4AgreesWithTheLinearScan) { agree_with_reference<Ipv4Key>(Family::kIpv4, true); }
TEST(SmallClassifier, ScalarIpv6AgreesWithTheLinearScan) { agree_with_reference<Ipv6Key>(Family::kIpv6, true); }

// force_scalar is what the Scalar* tests above rely on to test the scalar
// path on any CPU: it must give the scalar path.
TEST(SmallClassifier, ForcedScalarTakesTheScalarPath) {
  for (Family f : {Family::kIpv4, Family::kIpv6}) {
    auto c = SmallClassifier::build(f, {}, true);
    ASSERT_TRUE(c.ok());
    EXPECT_FALSE(c.value().simd());
  }
}

// The AVX-512 path is only tested where it can run; elsewhere this says so
// (a skip, not a pass), and Ipv4/Ipv6AgreesWithTheLinearScan test the
// scalar path twice.
TEST(SmallClassifier, TheSimdPathRunsWhereTheCpuHasIt) {
  if (!__builtin_cpu_supports("avx512f")) GTEST_SKIP() << "no AVX-512F on this CPU: the SIMD path cannot run here";
  auto c = SmallClassifier::build(Family::kIpv4, {});
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c.value().simd());
}

TEST(SmallClassifier, LimitsAndEmptySets) {
  std::vector<Rule> many(SmallClassifier::kMaxRules + 1);
  auto too_many = SmallClassifier::build(Family::kIpv4, many);
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.error().code, Errc::kTooManyRules);
  Rule v6;
  v6.family = Family::kIpv6;
  EXPECT_FALSE(SmallClassifier::build(Family::kIpv4, std::vector<Rule>{v6}).ok());
  auto empty = SmallClassifier::build(Family::kIpv4, {});
  Ipv4Key k = make_ipv4_key(1, 2, 3, 4, 6);
  const uint8_t* p = reinterpret_cast<const uint8_t*>(&k);
  uint32_t out = 99;
  empty.value().classify(&p, &out, 1);
  EXPECT_EQ(out, 0u);
}

TEST(SmallClassifier, TheFirstOfOverlappingRulesWinsAcrossBlocks) {
  // Rule 40 (second 16-lane block... third) and rule 3 both match: 3 wins; without 3, 40.
  std::vector<Rule> rules(41);
  for (auto& r : rules) r.sport = {7, 7};  // match nothing we send
  rules[3].sport = {0, 65535};
  rules[40].sport = {0, 65535};
  Ipv4Key k = make_ipv4_key(1, 2, 3, 4, 6);
  const uint8_t* p = reinterpret_cast<const uint8_t*>(&k);
  uint32_t out;
  SmallClassifier::build(Family::kIpv4, rules).value().classify(&p, &out, 1);
  EXPECT_EQ(out, 4u);
  rules[3].sport = {7, 7};
  SmallClassifier::build(Family::kIpv4, rules).value().classify(&p, &out, 1);
  EXPECT_EQ(out, 41u);
}

}  // namespace
}  // namespace acl
