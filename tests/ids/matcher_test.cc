// The matcher: payload in, sids out, with every content modifier; header
// predicates; the verdict (pass suppresses, drop only in PREVENT); and the
// compiler's pattern plan (what becomes one Hyperscan pattern).
#include "ids/matcher.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include "ids/rule_parser.h"

namespace vfpath::ids {
namespace {

struct Loaded {
  std::unique_ptr<Database> db;
  std::unique_ptr<Scratch> scratch;
};

Loaded load(const std::string& text) {
  Loaded l;
  ParseResult p = parse_rules(text);
  EXPECT_TRUE(p.ok()) << (p.errors.empty() ? "" : to_string(p.errors[0]));
  std::vector<RuleError> errors;
  l.db = Database::compile(std::move(p.rules), errors);
  EXPECT_TRUE(l.db) << (errors.empty() ? "" : to_string(errors[0]));
  std::string err;
  if (l.db) l.scratch = Scratch::create(*l.db, 65535, err);
  return l;
}

const uint8_t kA[4] = {10, 0, 0, 1}, kB[4] = {192, 168, 1, 2};

PacketView tcp(std::string_view payload, uint16_t dport = 80, uint8_t flags = 0x18) {
  return PacketView{.family = Family::V4, .ip_proto = kIpProtoTcp, .tcp_flags = flags, .to_server = true,
                    .established = true, .sport = 40000, .dport = dport, .src = kA, .dst = kB,
                    .payload = reinterpret_cast<const uint8_t*>(payload.data()),
                    .payload_len = static_cast<uint32_t>(payload.size())};
}

std::set<uint32_t> sids(Loaded& l, const PacketView& p, Mode mode = Mode::Detect, Verdict* v = nullptr) {
  ScanResult r;
  EXPECT_EQ(scan(*l.db, *l.scratch, p, mode, r), ScanStatus::Ok);
  std::set<uint32_t> out;
  for (uint32_t i = 0; i < r.count; ++i) out.insert(r.matches[i].sid);
  EXPECT_EQ(r.count, std::min(r.matched, kMaxReportedMatches));
  if (v) *v = r.verdict;
  return out;
}

constexpr const char* kRules = R"(
alert tcp any any -> any any (content:"abc"; sid:1;)
alert tcp any any -> any any (content:"ABC"; nocase; sid:2;)
alert tcp any any -> any any (content:"xyz"; offset:2; depth:4; sid:3;)
alert tcp any any -> any any (content:"foo"; content:"bar"; distance:1; within:4; sid:4;)
alert tcp any any -> any any (content:"|0d 0a|"; content:"Host"; distance:0; sid:5;)
alert tcp any any -> any any (content:"k1"; content:"k2"; sid:6;)
alert tcp any any -> any any (content:"aa"; content:"bb"; distance:0; within:2; content:"cc"; distance:0; within:2; sid:7;)
alert tcp any any -> any any (pcre:"/user-agent: *evil[0-9]+/i"; sid:8;)
alert tcp any any -> any any (content:"GET"; pcre:"/\/admin\b/"; sid:9;)
alert tcp any any -> any any (content:"qq"; content:"qr"; distance:-1; within:2; sid:10;)
)";

struct Case {
  const char* proves;
  std::string payload;
  std::set<uint32_t> expect;
};

TEST(Matcher, ContentModifiers) {
  Loaded l = load(kRules);
  ASSERT_TRUE(l.scratch);
  const Case cases[] = {
      {"plain content, case-sensitive; nocase folds", "..abc..", {1, 2}},
      {"nocase only", "..aBc..", {2}},
      {"no match", "hello world", {}},
      {"offset/depth: inside [2,6)", "..xyz.", {3}},
      {"offset/depth: starts before offset", ".xyz..", {}},
      {"offset/depth: ends exactly at offset+depth", "...xyz", {3}},
      {"offset/depth: ends after offset+depth", "....xyz", {}},
      {"distance/within: bar 1..4 after foo", "foo.bar", {4}},
      {"distance: bar right after foo is too close", "foobar", {}},
      {"within: bar ends at the limit", "foo..bar", {4}},
      {"within: bar too far", "foo...bar", {}},
      {"backtracking: second foo satisfies", "foo....foo.bar", {4}},
      {"hex bytes then relative", "GET / HTTP/1.1\r\nHost: x", {5}},
      {"relative needs order", "Host: x\r\n", {}},
      {"independent contents, any order", "k2 then k1", {6}},
      {"three-chain", "aabbcc", {7}},
      {"three-chain broken", "aabb.cc", {}},
      {"three-chain with decoy", "aab.aabbcc", {7}},
      {"pcre caseless", "User-Agent:  EVIL42", {8}},
      {"pcre needs digits", "User-Agent: evil", {}},
      {"content + pcre both", "GET /admin HTTP", {9}},
      {"content + pcre: pcre missing", "GET /administrator", {}},
      {"pcre without its content", "POST /admin", {}},
      {"negative distance: overlapping the previous match", "qqr", {10}},
      {"negative distance: but after the window", "qq.qr", {}},
      {"empty payload", "", {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.proves);
    EXPECT_EQ(sids(l, tcp(c.payload)), c.expect);
  }
}

TEST(Matcher, HeaderPredicates) {
  Loaded l = load(R"(
alert tcp any any -> any 80 (content:"x"; sid:1;)
alert udp any any -> any any (content:"x"; sid:2;)
alert tcp 10.0.0.0/8 any -> !192.168.0.0/16 any (content:"x"; sid:3;)
alert tcp any any -> any any (content:"x"; flow:to_client; sid:4;)
alert tcp any any -> any any (content:"x"; flow:established,to_server; sid:5;)
alert tcp any any -> any any (content:"x"; dsize:<3; sid:6;)
alert tcp any any -> any any (flags:S; sid:7;)
alert tcp any any -> any any (flags:!A; dsize:0; sid:8;)
alert ip any any -> any any (content:"x"; sid:9;)
alert tcp 192.168.1.2 80 <> 10.0.0.1 any (content:"x"; sid:10;)
)");
  ASSERT_TRUE(l.scratch);
  EXPECT_EQ(sids(l, tcp("x")), (std::set<uint32_t>{1, 5, 6, 9, 10}));
  EXPECT_EQ(sids(l, tcp("xxx", 81)), (std::set<uint32_t>{5, 9}));
  EXPECT_EQ(sids(l, tcp("", 81, 0x02)), (std::set<uint32_t>{7, 8}));
  PacketView u = tcp("x");
  u.ip_proto = kIpProtoUdp;
  EXPECT_EQ(sids(l, u), (std::set<uint32_t>{2, 9}));
}

TEST(Matcher, VerdictPassSuppressesDropOnlyInPrevent) {
  Loaded l = load(R"(
alert tcp any any -> any any (content:"a1"; sid:1;)
drop tcp any any -> any any (content:"d1"; sid:2;)
pass tcp any any -> any 8080 (content:"d1"; sid:3;)
)");
  ASSERT_TRUE(l.scratch);
  Verdict v;
  EXPECT_EQ(sids(l, tcp("a1"), Mode::Prevent, &v), (std::set<uint32_t>{1}));
  EXPECT_EQ(v, Verdict::Alert);
  EXPECT_EQ(sids(l, tcp("a1 d1"), Mode::Prevent, &v), (std::set<uint32_t>{1, 2}));
  EXPECT_EQ(v, Verdict::Drop);
  EXPECT_EQ(sids(l, tcp("a1 d1"), Mode::Detect, &v), (std::set<uint32_t>{1, 2}));
  EXPECT_EQ(v, Verdict::Alert);
  EXPECT_EQ(sids(l, tcp("a1 d1", 8080), Mode::Prevent, &v), (std::set<uint32_t>{3}));
  EXPECT_EQ(v, Verdict::Pass);
  EXPECT_EQ(sids(l, tcp("zz"), Mode::Prevent, &v), (std::set<uint32_t>{}));
  EXPECT_EQ(v, Verdict::None);
  EXPECT_EQ(l.scratch->rule_hits()[1], 2u);
}

TEST(Matcher, ReportsAreBoundedButCountAll) {
  std::string text;
  for (int i = 1; i <= 40; ++i) text += "alert tcp any any -> any any (content:\"zz\"; sid:" + std::to_string(i) + ";)\n";
  Loaded l = load(text);
  ASSERT_TRUE(l.scratch);
  ScanResult r;
  ASSERT_EQ(scan(*l.db, *l.scratch, tcp("..zz.."), Mode::Detect, r), ScanStatus::Ok);
  EXPECT_EQ(r.matched, 40u);
  EXPECT_EQ(r.count, kMaxReportedMatches);
  EXPECT_EQ(r.matches[0].sid, 1u);
  EXPECT_EQ(l.db->patterns().size(), 1u);  // one shared Hyperscan pattern
}

TEST(Matcher, RefusesWhatItCannotInspect) {
  Loaded l = load("alert tcp any any -> any any (content:\"a\"; sid:1;)\n");
  ASSERT_TRUE(l.db);
  std::string err;
  auto small = Scratch::create(*l.db, 8, err);
  ASSERT_TRUE(small);
  ScanResult r;
  EXPECT_EQ(scan(*l.db, *small, tcp("aaaaaaaaa"), Mode::Detect, r), ScanStatus::PayloadTooLong);
  Loaded other = load("alert tcp any any -> any any (content:\"b\"; sid:2;)\n");
  EXPECT_EQ(scan(*l.db, *other.scratch, tcp("a"), Mode::Detect, r), ScanStatus::ScratchMismatch);
  auto clone = l.scratch->clone(err);
  ASSERT_TRUE(clone);
  EXPECT_EQ(scan(*l.db, *clone, tcp("a"), Mode::Detect, r), ScanStatus::Ok);
  EXPECT_EQ(r.matched, 1u);
}

TEST(Compiler, PatternPlan) {
  Loaded l = load(R"(
alert tcp any any -> any any (content:"ab"; content:"longest"; nocase; content:"x"; sid:1;)
alert tcp any any -> any any (content:"abc"; offset:3; depth:5; sid:2;)
alert tcp any any -> any any (pcre:"/a+b/i"; pcre:"/c+d/"; sid:3;)
alert tcp any any -> any any (dsize:>5; sid:4;)
)");
  ASSERT_TRUE(l.db);
  const auto& pats = l.db->patterns();
  ASSERT_EQ(pats.size(), 4u);  // 2 pcres (sid 3) + anchors of sid 1 and 2
  std::map<std::string, Database::Pattern> by_expr;
  for (const auto& p : pats) by_expr[p.expr] = p;
  ASSERT_TRUE(by_expr.count(literal_expression("longest")));
  EXPECT_TRUE(by_expr[literal_expression("longest")].flags & 1 /* HS_FLAG_CASELESS */);
  const auto& bounded = by_expr[literal_expression("abc")];
  EXPECT_EQ(bounded.min_offset, 6u);  // start >= 3  <=> end >= 6
  EXPECT_EQ(bounded.max_offset, 8u);  // end <= offset + depth
  EXPECT_FALSE(l.db->programs()[1].verify_contents);  // Hyperscan alone is exact
  EXPECT_TRUE(l.db->programs()[0].verify_contents);
  EXPECT_EQ(l.db->always_rules(), std::vector<uint32_t>{3});
}

}  // namespace
}  // namespace vfpath::ids

namespace vfpath::ids {
namespace {

// A hostile payload for a relative chain: 60,000 'a's and no 'b'. Without
// the memo this is O(L^3); with it, it finishes at once.
TEST(Matcher, RelativeChainOnHostilePayloadIsBounded) {
  Loaded l = load(
      "alert tcp any any -> any any (content:\"a\"; content:\"a\"; distance:0; "
      "content:\"a\"; distance:0; content:\"b\"; distance:0; sid:1;)\n");
  ASSERT_TRUE(l.scratch);
  const std::string hostile(60000, 'a');
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(sids(l, tcp(hostile)), (std::set<uint32_t>{}));
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 1.0);
  EXPECT_EQ(sids(l, tcp(hostile + "b")), (std::set<uint32_t>{1}));
}

}  // namespace
}  // namespace vfpath::ids
