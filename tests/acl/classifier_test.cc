// The rte_acl classifier against hand-computed answers (edge-case table),
// against the linear-scan reference on random rule sets for every classify
// method this CPU has, rebuild semantics and build errors. Needs EAL
// (eal_environment.cc).
#include "acl/classifier.h"

#include <gtest/gtest.h>

#include <random>

#include "acl/nacl_compile.h"
#include "acl/reference.h"
#include "edge_cases.h"

namespace acl {
namespace {

uint32_t classify_one(const Classifier& c, const std::vector<uint8_t>& key) {
  const uint8_t* k = key.data();
  uint32_t out = 99;
  c.classify(&k, &out, 1);
  return out;
}

TEST(Classifier, EdgeCaseTableWithEveryMethod) {
  const auto methods = Classifier::available_methods();
  ASSERT_FALSE(methods.empty());
  for (const auto& c : testing::all_edge_cases()) {
    SCOPED_TRACE(c.proves);
    auto built = Classifier::build(c.family, c.rules);
    ASSERT_TRUE(built.ok()) << built.error().message;
    for (Method m : methods) {
      SCOPED_TRACE(method_name(m));
      ASSERT_TRUE(built.value().set_method(m).ok());
      for (const auto& p : c.probes) EXPECT_EQ(classify_one(built.value(), p.key), p.want) << p.what;
    }
  }
}

// Random rules whose ranges and prefixes cluster around the edges, and keys
// drawn near the rules' own boundaries, so most keys sit on some edge.
struct RandomSet {
  std::vector<Rule> rules;
  std::vector<std::vector<uint8_t>> keys;
};

RandomSet random_set(Family fam, size_t n_rules, size_t n_keys, uint32_t seed) {
  std::mt19937 rng(seed);
  auto pick = [&](uint32_t n) { return static_cast<uint32_t>(rng() % n); };
  static constexpr uint16_t kPorts[] = {0, 1, 52, 53, 54, 1023, 1024, 65279, 65280, 65281, 65535};
  auto port = [&]() -> uint16_t {
    return pick(3) == 0 ? static_cast<uint16_t>(rng()) : kPorts[pick(std::size(kPorts))];
  };
  auto range = [&]() {
    uint16_t a = port(), b = port();
    if (a > b) std::swap(a, b);
    return pick(4) == 0 ? PortRange{} : PortRange{a, b};
  };
  // Addresses from a small pool so that prefixes overlap.
  std::vector<Address> pool;
  for (int i = 0; i < 8; ++i) {
    Address a;
    for (auto& b : a.bytes) b = static_cast<uint8_t>(pick(4) == 0 ? rng() : (i * 37) & 0xff);
    if (fam == Family::kIpv4) std::fill(a.bytes.begin() + 4, a.bytes.end(), 0);
    pool.push_back(a);
  }
  const uint8_t max_len = max_prefix_len(fam);
  RandomSet s;
  for (size_t i = 0; i < n_rules; ++i) {
    Rule r;
    r.family = fam;
    r.src = pool[pick(8)];
    r.src_len = static_cast<uint8_t>(pick(max_len + 1));
    r.dst = pool[pick(8)];
    r.dst_len = static_cast<uint8_t>(pick(max_len + 1));
    r.sport = range();
    r.dport = range();
    if (pick(2) == 0) {
      r.proto = pick(2) ? 6 : 17;
      r.proto_mask = 0xff;
    }
    s.rules.push_back(r);
  }
  for (size_t i = 0; i < n_keys; ++i) {
    const Rule& r = s.rules[pick(static_cast<uint32_t>(n_rules))];
    auto flip = [&](Address a) {  // perturb one low-order bit sometimes
      const unsigned byte = pick(max_len / 8);
      if (pick(2)) a.bytes[byte] ^= static_cast<uint8_t>(1u << pick(8));
      return a;
    };
    const uint16_t sp = pick(2) ? (pick(2) ? r.sport.lo : r.sport.hi) : port();
    const uint16_t dp = pick(2) ? (pick(2) ? r.dport.lo : r.dport.hi) : port();
    const uint8_t proto = pick(3) == 0 ? static_cast<uint8_t>(rng()) : (pick(2) ? 6 : 17);
    const uint16_t sp2 = static_cast<uint16_t>(sp + (pick(3) == 0 ? 1 : 0));
    const uint16_t dp2 = static_cast<uint16_t>(dp - (pick(3) == 0 ? 1 : 0));
    if (fam == Family::kIpv4) {
      s.keys.push_back(testing::key_bytes(make_ipv4_key(flip(r.src).v4_host(),
                                                        flip(r.dst).v4_host(), sp2, dp2, proto)));
    } else {
      s.keys.push_back(
          testing::key_bytes(make_ipv6_key(flip(r.src), flip(r.dst), sp2, dp2, proto)));
    }
  }
  return s;
}

TEST(Classifier, AgreesWithReferenceOnRandomSetsForEveryMethodBurstAndShardCount) {
  for (Family fam : {Family::kIpv4, Family::kIpv6}) {
    for (uint32_t seed : {1u, 2u, 3u}) {
      SCOPED_TRACE(::testing::Message() << "IPv" << static_cast<int>(fam) << " seed " << seed);
      const RandomSet s = random_set(fam, 400, 4000, seed);
      auto ref = LinearClassifier::build(fam, s.rules);
      ASSERT_TRUE(ref.ok());
      std::vector<const uint8_t*> keys;
      for (const auto& k : s.keys) keys.push_back(k.data());
      std::vector<uint32_t> want(keys.size());
      ref.value().classify(keys.data(), want.data(), static_cast<uint32_t>(keys.size()));
      size_t matched = 0;
      for (uint32_t w : want) matched += w != 0;
      ASSERT_GT(matched, keys.size() / 4) << "generator should produce mostly matching keys";

      for (uint32_t shards : {1u, 3u}) {
        auto built = Classifier::build(fam, s.rules, {.shards = shards});
        ASSERT_TRUE(built.ok()) << built.error().message;
        ASSERT_EQ(built.value().stats().contexts, shards);
        for (Method m : Classifier::available_methods()) {
          ASSERT_TRUE(built.value().set_method(m).ok());
          // 100 > the 64-key chunk of the sharded path.
          for (uint32_t burst : {1u, 7u, 32u, 64u, 100u}) {
            std::vector<uint32_t> got(keys.size(), 99);
            for (size_t off = 0; off < keys.size(); off += burst) {
              const auto cnt = static_cast<uint32_t>(std::min<size_t>(burst, keys.size() - off));
              built.value().classify(keys.data() + off, got.data() + off, cnt);
            }
            for (size_t i = 0; i < keys.size(); ++i) {
              ASSERT_EQ(got[i], want[i]) << method_name(m) << " shards " << shards << " burst "
                                         << burst << " key " << i;
            }
          }
        }
      }
    }
  }
}

TEST(Classifier, RebuildGivesTheNewAnswerAndTheOldObjectKeepsItsOwn) {
  const auto key = testing::key_bytes(make_ipv4_key(0x0a000001, 0x0a000002, 1234, 80, 6));
  const std::vector<Rule> v1 = {Rule{.dport = {80, 80}}, Rule{}};
  const std::vector<Rule> v2 = {Rule{.dport = {443, 443}}, Rule{.dport = {80, 80}}, Rule{}};
  auto a = Classifier::build(Family::kIpv4, v1);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(classify_one(a.value(), key), 1u);
  auto b = Classifier::build(Family::kIpv4, v2);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(classify_one(b.value(), key), 2u) << "new rule set: port 80 is now rule 1";
  EXPECT_EQ(classify_one(a.value(), key), 1u) << "published snapshot must not change";
  // Replacing the published object (move-assign) frees the old context.
  a.value() = std::move(b.value());
  EXPECT_EQ(classify_one(a.value(), key), 2u);
}

TEST(Classifier, EmptyRuleSetMatchesNothing) {
  auto c = Classifier::build(Family::kIpv6, {});
  ASSERT_TRUE(c.ok()) << c.error().message;
  const auto key = testing::key_bytes(make_ipv6_key(Address{}, Address{}, 0, 0, 0));
  EXPECT_EQ(classify_one(c.value(), key), 0u);
}

TEST(Classifier, ReportsBuildStats) {
  const std::vector<Rule> rules(100, Rule{.dport = {1, 2}});
  auto c = Classifier::build(Family::kIpv4, rules);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.value().stats().rules, 100u);
  EXPECT_GT(c.value().stats().build_ns, 0u);
  EXPECT_GT(c.value().stats().memory_bytes, 0u);
  EXPECT_EQ(c.value().stats().method, Classifier::available_methods().front())
      << "auto must pick the fastest available method";
}

TEST(Classifier, ForcedMethodIsUsed) {
  auto c = Classifier::build(Family::kIpv4, std::vector<Rule>{Rule{}}, {.method = Method::kScalar});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.value().stats().method, Method::kScalar);
}

TEST(Classifier, MoreShardsThanRulesAndBadShardCounts) {
  const std::vector<Rule> rules = {Rule{.dport = {80, 80}}, Rule{}};
  auto c = Classifier::build(Family::kIpv4, rules, {.shards = 8});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c.value().stats().contexts, 2u) << "never an empty shard";
  const auto key80 = testing::key_bytes(make_ipv4_key(1, 2, 3, 80, 6));
  const auto key81 = testing::key_bytes(make_ipv4_key(1, 2, 3, 81, 6));
  EXPECT_EQ(classify_one(c.value(), key80), 1u);
  EXPECT_EQ(classify_one(c.value(), key81), 2u) << "second shard answers what the first misses";
  for (uint32_t bad : {0u, kMaxShards + 1}) {
    auto e = Classifier::build(Family::kIpv4, rules, {.shards = bad});
    ASSERT_FALSE(e.ok());
    EXPECT_EQ(e.error().code, Errc::kInvalidArgument);
  }
}

TEST(Classifier, BuildErrorsNameTheRule) {
  const std::vector<Rule> rules = {Rule{}, Rule{}, Rule{.dport = {100, 99}}};
  auto c = Classifier::build(Family::kIpv4, rules);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, Errc::kReversedPortRange);
  EXPECT_NE(c.error().message.find("rule 2"), std::string::npos) << c.error().message;
}

TEST(Classifier, TooSmallMaxSizeFailsWithDpdkError) {
  std::vector<Rule> rules;
  for (uint32_t i = 0; i < 2000; ++i) {
    rules.push_back(Rule{.src = Address::v4(i * 7919), .src_len = 32,
                         .sport = {static_cast<uint16_t>(i), static_cast<uint16_t>(i + 5)}});
  }
  auto c = Classifier::build(Family::kIpv4, rules, {.max_size = 4096});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, Errc::kDpdk);
  EXPECT_NE(c.error().message.find("rte_acl_build"), std::string::npos) << c.error().message;
}

TEST(Classifier, NaclVerdictAndCounterIndexFromOneClassify) {
  using nacl::Action;
  using nacl::Direction;
  using nacl::RuleSpec;
  auto n = nacl::Nacl::from_specs(
      std::vector<RuleSpec>{
          {.number = 200, .action = Action::kAllow, .cidr = "0.0.0.0/0", .protocol = "tcp",
           .port_from = 1024, .port_to = 65535},
          {.number = 100, .action = Action::kDeny, .cidr = "198.51.100.0/24"},
          {.number = 300, .action = Action::kAllow, .cidr = "2001:db8::/32", .protocol = "udp",
           .port_from = 53, .port_to = 53}},
      {});
  ASSERT_TRUE(n.ok()) << n.error().message;
  struct Case {
    const char* proves;
    nacl::FiveTuple packet;
  };
  auto v4 = [](uint32_t src, uint16_t dport, uint8_t proto) {
    return nacl::FiveTuple{Family::kIpv4, Address::v4(src), Address::v4(0x0a000001), 40000,
                           dport, proto};
  };
  Address v6src = testing::v6("2001:db8::9");
  const Case cases[] = {
      {"deny 100 shadows allow 200", v4(0xc6336401, 8080, 6)},
      {"allow 200 ephemeral lower edge", v4(0xc0000201, 1024, 6)},
      {"1023 falls to the implicit deny", v4(0xc0000201, 1023, 6)},
      {"IPv6 udp/53 allowed by 300", {Family::kIpv6, v6src, Address{}, 5000, 53, 17}},
      {"IPv6 udp/54 implicit deny", {Family::kIpv6, v6src, Address{}, 5000, 54, 17}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.proves);
    const auto compiled = nacl::compile(n.value(), Direction::kIngress, c.packet.family);
    auto clf = Classifier::build(c.packet.family, compiled.rules);
    ASSERT_TRUE(clf.ok());
    const auto key = c.packet.family == Family::kIpv4
                         ? testing::key_bytes(nacl::to_ipv4_key(c.packet))
                         : testing::key_bytes(nacl::to_ipv6_key(c.packet));
    const uint32_t u = classify_one(clf.value(), key);
    ASSERT_LT(u, compiled.verdicts.size());
    EXPECT_EQ(compiled.verdict(u), n.value().evaluate(Direction::kIngress, c.packet));
  }
}

}  // namespace
}  // namespace acl
