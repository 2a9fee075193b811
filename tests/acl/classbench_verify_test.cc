// One ClassBench set end to end through rte_acl: every header of the trace
// must give the .expected first match, with every classify method this CPU
// has (and, if ACL_VERIFY_REFERENCE=1, the linear-scan answer too).
// Paths come from the environment (set per set by tests/acl/meson.build):
// ACL_RULES, ACL_TRACE, ACL_EXPECTED, optional ACL_SHARDS (default 1).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "acl/classbench.h"
#include "acl/classifier.h"
#include "acl/reference.h"
#include "acl/verify.h"

namespace acl {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

std::string describe(const classbench::Trace& t, size_t i, uint32_t got, uint32_t want) {
  return "trace line " + std::to_string(t.lines[i]) + " (" +
         classbench::format_key(t.family, t.key(i)) + "): got " + describe_userdata(got) +
         ", want " + describe_userdata(want);
}

TEST(ClassBench, EveryHeaderGivesTheExpectedFirstMatch) {
  const std::string rules_path = env("ACL_RULES");
  ASSERT_FALSE(rules_path.empty()) << "set ACL_RULES, ACL_TRACE, ACL_EXPECTED";
  if (std::getenv("ACL_DATA_OPTIONAL") && !std::filesystem::exists(rules_path)) {
    // The large sets live outside the repository: say so, and let meson
    // count a skip (77), never a pass.
    std::printf("data absent: %s (the 100K-rule ClassBench sets are not in the repository)\n", rules_path.c_str());
    std::fflush(stdout);
    std::_Exit(77);
  }
  auto rules = classbench::read_rules(rules_path);
  ASSERT_TRUE(rules.ok()) << rules.error().message;
  ASSERT_GT(rules.value().rules.size(), 0u) << rules_path << " has no rules";
  auto trace = classbench::read_trace(env("ACL_TRACE"), rules.value().family);
  ASSERT_TRUE(trace.ok()) << trace.error().message;
  auto expected = classbench::read_expected(env("ACL_EXPECTED"));
  ASSERT_TRUE(expected.ok()) << expected.error().message;
  const auto& t = trace.value();
  ASSERT_GT(t.size(), 0u) << "the trace has no headers";
  ASSERT_EQ(t.size(), expected.value().size());
  const auto want = expected_to_userdata(expected.value());

  std::vector<const uint8_t*> keys(t.size());
  for (size_t i = 0; i < t.size(); ++i) keys[i] = t.key(i);

  if (env("ACL_VERIFY_REFERENCE") == "1") {
    auto ref = LinearClassifier::build(rules.value().family, rules.value().rules);
    ASSERT_TRUE(ref.ok());
    std::vector<uint32_t> got(t.size());
    ref.value().classify(keys.data(), got.data(), static_cast<uint32_t>(t.size()));
    const auto diff = first_difference(got, want);
    ASSERT_FALSE(diff) << "linear scan vs .expected: " << describe(t, *diff, got[*diff], want[*diff]);
  }

  const std::string shards = env("ACL_SHARDS");
  auto built = Classifier::build(rules.value().family, rules.value().rules,
                                 {.shards = shards.empty() ? 1u : static_cast<uint32_t>(
                                                                      std::stoul(shards))});
  ASSERT_TRUE(built.ok()) << built.error().message;
  const BuildStats& st = built.value().stats();
  std::printf("%zu rules, %u contexts: build %.1f ms, memory %.2f MiB\n", st.rules, st.contexts,
              static_cast<double>(st.build_ns) / 1e6,
              static_cast<double>(st.memory_bytes) / (1 << 20));
  for (Method m : Classifier::available_methods()) {
    ASSERT_TRUE(built.value().set_method(m).ok());
    std::vector<uint32_t> got(t.size(), 0xdeadbeef);
    constexpr uint32_t kBurst = 64;
    for (size_t off = 0; off < t.size(); off += kBurst) {
      const auto n = static_cast<uint32_t>(std::min<size_t>(kBurst, t.size() - off));
      built.value().classify(keys.data() + off, got.data() + off, n);
    }
    const auto diff = first_difference(got, want);
    EXPECT_FALSE(diff) << method_name(m) << ": "
                       << describe(t, *diff, got[*diff], want[*diff]);
  }
}

}  // namespace
}  // namespace acl
