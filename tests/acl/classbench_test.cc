// ClassBench / DPDK test-acl file parsing (pure, no EAL). The data
// directory comes from ACL_DATA_DIR (the meson test sets it).
#include "acl/classbench.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "acl/cidr.h"
#include "acl/verify.h"

namespace acl::classbench {
namespace {

std::string data(const char* rel) {
  const char* dir = std::getenv("ACL_DATA_DIR");
  return std::string(dir != nullptr ? dir : "/work/shared/data") + "/classbench/" + rel;
}

struct RuleLine {
  const char* proves;
  const char* line;
  bool ok;
  const char* formatted;  // format_rule() when ok, error substring when not
};

class ParseRule : public ::testing::TestWithParam<RuleLine> {};

TEST_P(ParseRule, Case) {
  const RuleLine& c = GetParam();
  SCOPED_TRACE(c.proves);
  auto r = parse_rule(c.line);
  ASSERT_EQ(r.ok(), c.ok) << (r.ok() ? format_rule(r.value()) : r.error().message);
  if (c.ok) {
    EXPECT_EQ(format_rule(r.value()), c.formatted);
  } else {
    EXPECT_NE(r.error().message.find(c.formatted), std::string::npos) << r.error().message;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseRule,
    ::testing::Values(
        RuleLine{"ClassBench line with tabs and the flags field (ignored)",
                 "@67.81.126.218/32\t112.154.225.224/32\t0 : 65535\t37 : 37\t0x11/0xFF\t0x0000/0x0200\t",
                 true, "67.81.126.218/32 112.154.225.224/32 0 : 65535 37 : 37 0x11/0xff"},
        RuleLine{"DPDK dialect: decimal proto, no flags", "@2.1.0.0/16\t16.32.1.0/24\t1000 : 2000\t0 : 65535 0/0",
                 true, "2.1.0.0/16 16.32.1.0/24 1000 : 2000 0 : 65535 0x00/0x00"},
        RuleLine{"IPv6 textual addresses; host bits cleared",
                 "@9baa:cead:8000:0000:e300:00ff:fe04:c5a8/33 d1b5:2feb::1/33 0 : 65535 1526 : 1526 0x00/0x00",
                 true, "9baa:cead:8000::/33 d1b5:2feb::/33 0 : 65535 1526 : 1526 0x00/0x00"},
        RuleLine{"strtoul base 0: hex ports", "@0.0.0.0/0 0.0.0.0/0 0x10 : 0x20 0 : 65535 6/0xff",
                 true, "0.0.0.0/0 0.0.0.0/0 16 : 32 0 : 65535 0x06/0xff"},
        RuleLine{"too few tokens", "@0.0.0.0/0 0.0.0.0/0 0 : 65535 0 : 65535", false, "want at least 9"},
        RuleLine{"missing ':'", "@0.0.0.0/0 0.0.0.0/0 0 - 65535 0 : 65535 0/0 x", false, "separator"},
        RuleLine{"port above 65535", "@0.0.0.0/0 0.0.0.0/0 0 : 65536 0 : 65535 0/0", false,
                 "source port range"},
        RuleLine{"reversed range", "@0.0.0.0/0 0.0.0.0/0 0 : 65535 9 : 8 0/0", false, "reversed"},
        RuleLine{"proto without mask", "@0.0.0.0/0 0.0.0.0/0 0 : 65535 0 : 65535 0x06", false,
                 "protocol"},
        RuleLine{"mixed families", "@::/0 0.0.0.0/0 0 : 65535 0 : 65535 0/0", false,
                 "families differ"},
        RuleLine{"bad prefix", "@1.2.3.4/40 0.0.0.0/0 0 : 65535 0 : 65535 0/0", false,
                 "prefix length"}));

TEST(ClassBenchFiles, DpdkSampleSkipsCommentsAndKeepsLineNumbers) {
  auto f = read_rules(data("dpdk_test_acl/acl1v4_5_rule"));
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f.value().family, Family::kIpv4);
  ASSERT_EQ(f.value().rules.size(), 5u);
  EXPECT_EQ(f.value().lines.front(), 3u) << "comment and blank line come first";
  auto t = read_trace(data("dpdk_test_acl/acl1v4_5_trace"), Family::kIpv4);
  ASSERT_TRUE(t.ok()) << t.error().message;
  ASSERT_EQ(t.value().size(), 5u);
  EXPECT_EQ(format_key(Family::kIpv4, t.value().key(0)),
            "src=16.32.1.1 dst=2.1.3.4 sport=100 dport=100 proto=6")
      << "0x hex trace addresses are host-order integers";
}

TEST(ClassBenchFiles, DpdkIpv6Sample) {
  auto f = read_rules(data("dpdk_test_acl/acl1v6_1_rule"));
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f.value().family, Family::kIpv6);
  auto t = read_trace(data("dpdk_test_acl/acl1v6_1_trace"), Family::kIpv6);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t.value().size(), 2u);
}

TEST(ClassBenchFiles, GzippedRulesTraceAndExpectedAgreeInLength) {
  auto f = read_rules(data("cutsplit/acl_1k.gz"));
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f.value().rules.size(), 1016u) << "README: acl_1k has 1,016 rules";
  auto t = read_trace(data("cutsplit/acl_1k_trace.gz"), Family::kIpv4);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t.value().size(), 10160u);
  auto e = read_expected(data("cutsplit/acl_1k_trace.expected.gz"));
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(t.value().size(), e.value().size());
}

TEST(ClassBenchFiles, PlainTraceReadsTheFirstFiveColumns) {
  const std::string path = ::testing::TempDir() + "plain_trace";
  std::ofstream(path) << "1289415424 117750809 0 21 17 0 383\n"
                         "3232235777 167772161 1024 80 6 512 7\t\n";
  auto t = read_trace(path, Family::kIpv4);
  ASSERT_TRUE(t.ok()) << t.error().message;
  ASSERT_EQ(t.value().size(), 2u);
  // "1289415424 117750809 0 21 17 0 383"
  EXPECT_EQ(format_key(Family::kIpv4, t.value().key(0)),
            "src=76.218.235.0 dst=7.4.188.25 sport=0 dport=21 proto=17");
}

TEST(ClassBenchFiles, MissingFileIsAnIoError) {
  auto f = read_rules(data("no/such/file"));
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, Errc::kIo);
}

TEST(Verify, FirstDifferenceFindsTheFirstMismatchAndLengthErrors) {
  const std::vector<int64_t> expected = {0, 4, -1};
  const auto want = expected_to_userdata(expected);
  EXPECT_EQ(want, (std::vector<uint32_t>{1, 5, 0}));
  EXPECT_EQ(first_difference(std::vector<uint32_t>{1, 5, 0}, want), std::nullopt);
  EXPECT_EQ(first_difference(std::vector<uint32_t>{1, 6, 1}, want), 1u);
  EXPECT_EQ(first_difference(std::vector<uint32_t>{1, 5}, want), 2u);
  EXPECT_EQ(describe_userdata(5), "rule 4");
  EXPECT_EQ(describe_userdata(0), "no match");
}

}  // namespace
}  // namespace acl::classbench
