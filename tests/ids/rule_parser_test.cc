// The rule parser: valid rules give their typed fields; invalid ones give
// one precise error (line, sid, keyword, message) and no rules at all.
#include "ids/rule_parser.h"

#include <gtest/gtest.h>

namespace vfpath::ids {
namespace {

Rule parse_one_ok(const std::string& text) {
  ParseResult r = parse_rules(text);
  EXPECT_TRUE(r.ok()) << (r.errors.empty() ? "" : to_string(r.errors[0]));
  EXPECT_EQ(r.rules.size(), 1u);
  return r.rules.empty() ? Rule{} : r.rules[0];
}

TEST(RuleParser, HeaderAndMetadata) {
  Rule r = parse_one_ok(
      "drop tcp [10.0.0.0/8,!10.1.0.0/16] ![80,443] <> 2001:db8::/32 1024: "
      "(msg:\"a \\\"quoted\\\" msg\"; sid:7; rev:3; classtype:trojan-activity;)");
  EXPECT_EQ(r.action, Action::Drop);
  EXPECT_EQ(r.proto, Proto::Tcp);
  EXPECT_TRUE(r.bidirectional);
  ASSERT_EQ(r.src.include.size(), 1u);
  EXPECT_EQ(r.src.include[0].prefix_len, 8);
  ASSERT_EQ(r.src.exclude.size(), 1u);
  EXPECT_EQ(r.src.exclude[0].addr[1], 1);
  ASSERT_EQ(r.sport.exclude.size(), 2u);
  EXPECT_EQ(r.sport.exclude[1].lo, 443);
  ASSERT_EQ(r.dst.include.size(), 1u);
  EXPECT_EQ(r.dst.include[0].family, Family::V6);
  ASSERT_EQ(r.dport.include.size(), 1u);
  EXPECT_EQ(r.dport.include[0].lo, 1024);
  EXPECT_EQ(r.dport.include[0].hi, 65535);
  EXPECT_EQ(r.msg, "a \"quoted\" msg");
  EXPECT_EQ(r.sid, 7u);
  EXPECT_EQ(r.rev, 3u);
  EXPECT_EQ(r.classtype, "trojan-activity");
}

TEST(RuleParser, ContentsAndModifiers) {
  Rule r = parse_one_ok(
      "alert tcp any any -> any any (content:\"GET|20 2f|\"; nocase; offset:2; depth:10; "
      "content:\"a\\;b\"; distance:-1; within:5; pcre:\"/x[yz]+/si\"; "
      "flow:to_server,established; dsize:10<>100; flags:SA+,CE; sid:1;)");
  ASSERT_EQ(r.contents.size(), 2u);
  EXPECT_EQ(r.contents[0].bytes, "GET /");
  EXPECT_TRUE(r.contents[0].nocase);
  EXPECT_EQ(r.contents[0].offset, 2u);
  EXPECT_EQ(r.contents[0].depth, 10u);
  EXPECT_EQ(r.contents[1].bytes, "a;b");
  EXPECT_EQ(r.contents[1].distance, -1);
  EXPECT_EQ(r.contents[1].within, 5u);
  ASSERT_EQ(r.pcres.size(), 1u);
  EXPECT_EQ(r.pcres[0].expr, "x[yz]+");
  EXPECT_EQ(r.pcres[0].flags, "si");
  EXPECT_EQ(r.flow_dir, FlowDir::ToServer);
  EXPECT_EQ(r.flow_state, FlowState::Established);
  ASSERT_TRUE(r.dsize);
  EXPECT_EQ(r.dsize->op, Dsize::Op::Range);
  ASSERT_TRUE(r.flags);
  EXPECT_EQ(r.flags->mod, TcpFlags::Mod::Plus);
  EXPECT_EQ(r.flags->want, 0x12);
  EXPECT_EQ(r.flags->keep, 0x3f);
}

TEST(RuleParser, SkipsCommentsJoinsContinuationsCountsLines) {
  ParseResult r = parse_rules(
      "# comment\n\nalert udp any any -> any 53 (content:\"abc\"; \\\n  sid:1;)\n"
      "pass ip any any -> any any (sid:2;)\n");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.rules.size(), 2u);
  EXPECT_EQ(r.rules[0].line, 3u);
  EXPECT_EQ(r.rules[1].line, 5u);
}

struct BadCase {
  const char* what;
  std::string text;
  uint32_t line;
  std::optional<uint32_t> sid;
  std::string keyword;
  std::string message_part;
};

TEST(RuleParser, PreciseErrors) {
  const std::string ok = "alert tcp any any -> any any (content:\"ok\"; sid:100;)\n";
  const BadCase cases[] = {
      {"backreference", "alert tcp any any -> any any (pcre:\"/(a)\\1/\"; sid:5;)", 1, 5, "pcre",
       "Back-references"},
      {"lookbehind", "alert tcp any any -> any any (pcre:\"/(?<=a)b/\"; sid:6;)", 1, 6, "pcre",
       "Zero-width assertions"},
      {"relative pcre", "alert tcp any any -> any any (content:\"a\"; pcre:\"/b/R\"; sid:7;)", 1, 7,
       "pcre", "'R'"},
      {"empty-matching pcre", "alert tcp any any -> any any (pcre:\"/a*/\"; sid:8;)", 1, 8, "pcre",
       "empty string"},
      {"unknown keyword", "alert tcp any any -> any any (byte_test:1,>,2,0; sid:9;)", 1, 9, "byte_test",
       "unknown"},
      {"mixed modifiers", "alert tcp any any -> any any (content:\"ab\"; offset:1; within:4; sid:10;)", 1,
       10, "within", "cannot mix"},
      {"depth shorter than content", "alert tcp any any -> any any (content:\"abcd\"; depth:2; sid:11;)",
       1, 11, "depth", "shorter"},
      {"modifier without content", "alert tcp any any -> any any (nocase; sid:12;)", 1, 12, "nocase",
       "preceding content"},
      {"missing sid", "alert tcp any any -> any any (content:\"a\";)", 1, std::nullopt, "sid", "missing"},
      {"bad action", "reject tcp any any -> any any (sid:13;)", 1, 13, "action", "reject"},
      {"bad protocol", "alert http any any -> any any (sid:14;)", 1, 14, "protocol", "http"},
      {"variable", "alert tcp $HOME_NET any -> any any (sid:15;)", 1, 15, "source address", "variables"},
      {"bad cidr", "alert tcp 10.0.0.0/33 any -> any any (sid:16;)", 1, 16, "source address", "0..32"},
      {"ports on icmp", "alert icmp any 80 -> any any (sid:17;)", 1, 17, "source port", "tcp or udp"},
      {"bad port range", "alert tcp any any -> any 90:80 (sid:18;)", 1, 18, "destination port", "empty"},
      {"flags on udp", "alert udp any any -> any any (flags:S; sid:19;)", 1, 19, "flags", "tcp"},
      {"odd hex", "alert tcp any any -> any any (content:\"|0d 0|\"; sid:20;)", 1, 20, "content", "odd"},
      {"negated content", "alert tcp any any -> any any (content:!\"x\"; sid:21;)", 1, 21, "content",
       "negated"},
      {"bad flow", "alert tcp any any -> any any (flow:only_stream; sid:22;)", 1, 22, "flow", "only_stream"},
      {"bad dsize", "alert tcp any any -> any any (dsize:50<>10; sid:23;)", 1, 23, "dsize", "min < max"},
      {"unterminated", "alert tcp any any -> any any (content:\"abc; sid:24;)", 1, 24, "content",
       "unterminated"},
      {"header fields", "alert tcp any -> any any (sid:25;)", 1, 25, "", "6 fields"},
      {"duplicate sid", ok + "alert tcp any any -> any any (content:\"b\"; sid:100;)", 2, 100, "sid",
       "line 1"},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.what);
    // The bad rule after a good one: the good one is not returned either.
    const std::string text = c.keyword == "sid" && c.line == 2 ? c.text : c.text;
    ParseResult r = parse_rules(text);
    EXPECT_TRUE(r.rules.empty());
    ASSERT_EQ(r.errors.size(), 1u);
    const RuleError& e = r.errors[0];
    EXPECT_EQ(e.line, c.line);
    EXPECT_EQ(e.sid, c.sid);
    EXPECT_EQ(e.keyword, c.keyword);
    EXPECT_NE(e.message.find(c.message_part), std::string::npos) << to_string(e);
  }
}

TEST(RuleParser, OneBadRuleRefusesTheWholeSet) {
  ParseResult r = parse_rules(
      "alert tcp any any -> any any (content:\"a\"; sid:1;)\n"
      "alert tcp any any -> any any (pcre:\"/(a)\\1/\"; sid:2;)\n"
      "alert tcp any any -> any any (content:\"c\"; sid:3;)\n"
      "alert tcp any any -> any any (bogus; sid:4;)\n");
  EXPECT_TRUE(r.rules.empty());
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(to_string(r.errors[0]).substr(0, 22), "line 2 (sid 2) 'pcre':");
  EXPECT_EQ(r.errors[1].line, 4u);
}

}  // namespace
}  // namespace vfpath::ids
