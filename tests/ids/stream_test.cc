// The TCP stream normaliser, table-driven: a sequence of segments (seq,
// flags, bytes) in -> per segment the plan (drop, window, scan alone, new
// and uninspected bytes) and the window's bytes. Each row names what a user
// relies on: a signature split over segments is seen whole, and tiny
// segments, holes and overlapping retransmissions cannot hide bytes from a
// PREVENT rule.
#include "ids/stream.h"

#include "ids/database.h"
#include "ids/rule_parser.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace vfpath::ids {
namespace {

constexpr uint8_t kSyn = 0x02, kAck = 0x10;
constexpr uint32_t kIsn = 1000;

struct Seg {
  uint32_t seq;  // relative to the first data byte (kIsn + 1)
  std::string bytes;
  uint8_t flags = kAck;
  // Expected:
  SegmentPlan::Drop drop = SegmentPlan::Drop::kNone;
  std::string window = "";  // "" and !scan_alone: nothing to scan
  bool starts_stream = false;
  bool scan_alone = false;
  bool gap = false, mismatch = false, unverified = false;
};

struct Case {
  const char* proves;
  Mode mode;
  std::vector<Seg> segs;
};

void run(const Case& c) {
  SCOPED_TRACE(c.proves);
  StreamDir d;
  std::vector<uint8_t> window(kStreamWindowBytes);
  SegmentPlan syn = accept_segment(d, kIsn, kSyn, nullptr, 0, c.mode, window.data());
  EXPECT_EQ(syn.window_len, 0u);
  int n = 0;
  for (const Seg& s : c.segs) {
    SCOPED_TRACE("segment " + std::to_string(n++));
    const SegmentPlan p = accept_segment(d, kIsn + 1 + s.seq, s.flags, reinterpret_cast<const uint8_t*>(s.bytes.data()),
                                         static_cast<uint32_t>(s.bytes.size()), c.mode, window.data());
    EXPECT_EQ(static_cast<int>(p.drop), static_cast<int>(s.drop));
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(window.data()), p.window_len), s.window);
    if (!s.window.empty()) EXPECT_EQ(p.window_starts_stream, s.starts_stream);
    EXPECT_EQ(p.scan_alone, s.scan_alone);
    EXPECT_EQ(p.gap, s.gap);
    EXPECT_EQ(p.overlap_mismatch, s.mismatch);
    EXPECT_EQ(p.unverified, s.unverified);
  }
}

using D = SegmentPlan::Drop;

TEST(Stream, SegmentsTable) {
  const std::vector<Case> cases = {
      {"in order: each window is the carry then the new bytes, the first starts the stream", Mode::Prevent,
       {{0, "GET /a", kAck, D::kNone, "GET /a", true}, {6, "dmin", kAck, D::kNone, "GET /admin", true}}},
      {"tiny segments: one byte each, the window always holds the whole signature", Mode::Prevent,
       {{0, "e", kAck, D::kNone, "e", true}, {1, "v", kAck, D::kNone, "ev", true},
        {2, "i", kAck, D::kNone, "evi", true}, {3, "l", kAck, D::kNone, "evil", true}}},
      {"a hole: PREVENT drops the segment after it and keeps nothing of it; the resent segment goes in order",
       Mode::Prevent,
       {{0, "ab", kAck, D::kNone, "ab", true},
        {4, "ef", kAck, D::kGap, "", false, false, true},
        {2, "cd", kAck, D::kNone, "abcd", true},
        {4, "ef", kAck, D::kNone, "abcdef", true}}},
      {"a hole in DETECT: scanned after a resync, without the bytes before it", Mode::Detect,
       {{0, "ab", kAck, D::kNone, "ab", true},
        {4, "ef", kAck, D::kNone, "ef", false, false, true},
        {6, "gh", kAck, D::kNone, "efgh", false}}},
      {"a retransmission of the same bytes: nothing new to scan", Mode::Prevent,
       {{0, "abcd", kAck, D::kNone, "abcd", true}, {0, "abcd", kAck, D::kNone, ""}}},
      {"a retransmission with different bytes (overlap attack): PREVENT drops it", Mode::Prevent,
       {{0, "abcd", kAck, D::kNone, "abcd", true},
        {0, "abXd", kAck, D::kOverlapMismatch, "", false, false, false, true}}},
      {"the same in DETECT: the other version is scanned alone", Mode::Detect,
       {{0, "abcd", kAck, D::kNone, "abcd", true},
        {0, "abXd", kAck, D::kNone, "", false, true, false, true}}},
      {"an overlap carrying new bytes: old part compared, new part scanned after the carry", Mode::Prevent,
       {{0, "abcd", kAck, D::kNone, "abcd", true}, {2, "cdef", kAck, D::kNone, "abcdef", true}}},
      {"an overlap whose old part differs refuses the new part too", Mode::Prevent,
       {{0, "abcd", kAck, D::kNone, "abcd", true},
        {2, "XXef", kAck, D::kOverlapMismatch, "", false, false, false, true}}},
  };
  for (const Case& c : cases) run(c);
}

TEST(Stream, CarrySlidesAndAbsoluteRulesStopAtTheStart) {
  StreamDir d;
  std::vector<uint8_t> w(kStreamWindowBytes);
  accept_segment(d, kIsn, kSyn, nullptr, 0, Mode::Prevent, w.data());
  const std::string first(300, 'a');
  SegmentPlan p = accept_segment(d, kIsn + 1, kAck, reinterpret_cast<const uint8_t*>(first.data()), 300,
                                 Mode::Prevent, w.data());
  EXPECT_EQ(p.window_len, 300u);
  EXPECT_TRUE(p.window_starts_stream);
  EXPECT_EQ(d.carry_len, kStreamCarry);
  const std::string second = "zz";
  p = accept_segment(d, kIsn + 301, kAck, reinterpret_cast<const uint8_t*>(second.data()), 2, Mode::Prevent, w.data());
  EXPECT_EQ(p.window_len, kStreamCarry + 2);
  EXPECT_FALSE(p.window_starts_stream);  // the carry no longer holds byte 0
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(w.data()) + kStreamCarry, 2), "zz");
}

TEST(Stream, RetransmissionOlderThanTheCarryIsScannedAlone) {
  StreamDir d;
  std::vector<uint8_t> w(kStreamWindowBytes);
  accept_segment(d, kIsn, kSyn, nullptr, 0, Mode::Prevent, w.data());
  const std::string data(1000, 'b');
  accept_segment(d, kIsn + 1, kAck, reinterpret_cast<const uint8_t*>(data.data()), 1000, Mode::Prevent, w.data());
  std::string resent(1000, 'b');
  resent[10] = 'X';  // older than the carry: cannot be compared
  const SegmentPlan p = accept_segment(d, kIsn + 1, kAck, reinterpret_cast<const uint8_t*>(resent.data()), 1000,
                                       Mode::Prevent, w.data());
  EXPECT_EQ(p.drop, SegmentPlan::Drop::kNone);
  EXPECT_TRUE(p.unverified);
  EXPECT_TRUE(p.scan_alone);  // so a signature inside it is still found
  EXPECT_EQ(p.window_len, 0u);
  resent = data;
  resent[999] = 'X';  // inside the carry: compared, refused
  EXPECT_EQ(accept_segment(d, kIsn + 1, kAck, reinterpret_cast<const uint8_t*>(resent.data()), 1000, Mode::Prevent,
                           w.data()).drop,
            SegmentPlan::Drop::kOverlapMismatch);
}

TEST(Stream, DepthBoundsWhatIsScannedAndCountsTheRest) {
  StreamDir d;
  std::vector<uint8_t> w(kStreamWindowBytes);
  accept_segment(d, kIsn, kSyn, nullptr, 0, Mode::Prevent, w.data());
  const std::string chunk(60000, 'c');
  uint32_t seq = kIsn + 1, scanned = 0, uninspected = 0;
  while (seq - kIsn - 1 < kStreamDepth + 120000) {
    const SegmentPlan p = accept_segment(d, seq, kAck, reinterpret_cast<const uint8_t*>(chunk.data()), 60000,
                                         Mode::Prevent, w.data());
    EXPECT_EQ(p.drop, SegmentPlan::Drop::kNone);
    scanned += p.new_bytes - p.uninspected_bytes;
    uninspected += p.uninspected_bytes;
    seq += 60000;
  }
  EXPECT_EQ(scanned, kStreamDepth);
  EXPECT_EQ(scanned + uninspected, seq - kIsn - 1);
  // Beyond the depth a hole is not refused: nothing there is inspected.
  EXPECT_EQ(accept_segment(d, seq + 5, kAck, reinterpret_cast<const uint8_t*>(chunk.data()), 10, Mode::Prevent,
                           w.data()).drop,
            SegmentPlan::Drop::kNone);
}

TEST(Stream, PickedUpMidStreamNeverStartsTheStream) {
  StreamDir d;
  std::vector<uint8_t> w(kStreamWindowBytes);
  const std::string data = "GET /x";
  const SegmentPlan p = accept_segment(d, 5000, kAck, reinterpret_cast<const uint8_t*>(data.data()), 6, Mode::Prevent,
                                       w.data());
  EXPECT_EQ(p.window_len, 6u);
  EXPECT_FALSE(p.window_starts_stream);
}

TEST(Stream, SynAndRstDataAreScannedAloneNeverTaken) {
  StreamDir d;
  std::vector<uint8_t> w(kStreamWindowBytes);
  const std::string data = "hello";
  SegmentPlan p = accept_segment(d, kIsn, kSyn, reinterpret_cast<const uint8_t*>(data.data()), 5, Mode::Prevent,
                                 w.data());
  EXPECT_EQ(p.window_len, 0u);
  EXPECT_TRUE(p.scan_alone);
  EXPECT_EQ(d.next_seq, kIsn + 1);  // the real data comes again at ISN + 1
  p = accept_segment(d, kIsn + 1, 0x04, reinterpret_cast<const uint8_t*>(data.data()), 5, Mode::Prevent, w.data());
  EXPECT_TRUE(p.scan_alone);
  EXPECT_EQ(d.next_seq, kIsn + 1);
}

TEST(Stream, ALaterSynDoesNotMoveTheBase) {
  // A SYN with another ISN on a live connection would make every real byte
  // look old (scanned alone, so a signature across segments would pass).
  StreamDir d;
  std::vector<uint8_t> w(kStreamWindowBytes);
  accept_segment(d, kIsn, kSyn, nullptr, 0, Mode::Prevent, w.data());
  accept_segment(d, kIsn + (1u << 30), kSyn, nullptr, 0, Mode::Prevent, w.data());
  const std::string a = "EVIL", b = "STRING";
  accept_segment(d, kIsn + 1, kAck, reinterpret_cast<const uint8_t*>(a.data()), 4, Mode::Prevent, w.data());
  const SegmentPlan p = accept_segment(d, kIsn + 5, kAck, reinterpret_cast<const uint8_t*>(b.data()), 6, Mode::Prevent,
                                       w.data());
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(w.data()), p.window_len), "EVILSTRING");
}

TEST(Stream, BytesBeforeTheStreamStartAreRefusedInPrevent) {
  StreamDir d;
  std::vector<uint8_t> w(kStreamWindowBytes);
  accept_segment(d, kIsn, kSyn, nullptr, 0, Mode::Prevent, w.data());
  const std::string data(300, 'x');
  accept_segment(d, kIsn + 1, kAck, reinterpret_cast<const uint8_t*>(data.data()), 10, Mode::Prevent, w.data());
  // Claims 300 bytes ending at byte 10: 290 of them before the ISN.
  EXPECT_EQ(accept_segment(d, kIsn + 1 - 290, kAck, reinterpret_cast<const uint8_t*>(data.data()), 300, Mode::Prevent,
                           w.data()).drop,
            SegmentPlan::Drop::kOverlapMismatch);
}

TEST(Stream, TheRuleSetDecidesHowMuchCarryAWindowNeeds) {
  struct Case {
    const char* rules;
    uint32_t carry;
  };
  const Case cases[] = {
      {"alert tcp any any -> any any (content:\"12345678\"; sid:1;)", 7},
      {"alert tcp any any -> any any (content:\"abc\"; offset:10; depth:20; sid:1;)", 29},
      {"alert tcp any any -> any any (content:\"ab\"; content:\"cd\"; distance:3; within:6; sid:1;)", 10},
      {"alert tcp any any -> any any (content:\"ab\"; content:\"cd\"; distance:3; sid:1;)", kStreamCarry},
      {"alert tcp any any -> any any (content:\"ab\"; content:\"cd\"; sid:1;)", kStreamCarry},
      {"alert tcp any any -> any any (pcre:\"/a.b/\"; sid:1;)", kStreamCarry},
      {"alert tcp any any -> any any (flags:S; sid:1;)", 0},
      {"alert tcp any any -> any any (content:\"abcd\"; sid:1;)\n"
       "alert tcp any any -> any any (content:\"0123456789abcdef0123\"; sid:2;)", 19},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.rules);
    ParseResult p = parse_rules(c.rules);
    ASSERT_TRUE(p.ok());
    std::vector<RuleError> errors;
    auto db = Database::compile(std::move(p.rules), errors);
    ASSERT_TRUE(db);
    EXPECT_EQ(db->stream_carry(), c.carry);
  }
}

TEST(Stream, AWindowTakesOnlyTheCarryItNeedsButAllOfItIsCompared) {
  StreamDir d;
  std::vector<uint8_t> w(kStreamWindowBytes);
  accept_segment(d, kIsn, kSyn, nullptr, 0, Mode::Prevent, w.data(), 3);
  const std::string first = "0123456789";
  SegmentPlan p = accept_segment(d, kIsn + 1, kAck, reinterpret_cast<const uint8_t*>(first.data()), 10, Mode::Prevent,
                                 w.data(), 3);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(w.data()), p.window_len), "0123456789");
  const std::string next = "ab";
  p = accept_segment(d, kIsn + 11, kAck, reinterpret_cast<const uint8_t*>(next.data()), 2, Mode::Prevent, w.data(), 3);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(w.data()), p.window_len), "789ab");
  EXPECT_FALSE(p.window_starts_stream);
  EXPECT_EQ(d.carry_len, 12);  // all of it kept
  const std::string resent = "01X3456789";  // differs 10 bytes back: beyond the window, inside the carry
  EXPECT_EQ(accept_segment(d, kIsn + 1, kAck, reinterpret_cast<const uint8_t*>(resent.data()), 10, Mode::Prevent,
                           w.data(), 3).drop,
            SegmentPlan::Drop::kOverlapMismatch);
}

TEST(Stream, RandomSegmentationsAgreeWithTheStreamItself) {
  // Property: whatever the cut, each window is exactly the stream's bytes
  // before the new ones (as many as the limit) and the new ones; resending
  // any range still in the carry is accepted as it was, and resending it
  // with one byte changed is refused.
  std::mt19937 rng(5);
  for (uint32_t limit : {0u, 7u, 100u, kStreamCarry}) {
    SCOPED_TRACE("carry limit " + std::to_string(limit));
    std::string stream(20000, 0);
    for (char& c : stream) c = static_cast<char>('a' + rng() % 26);
    StreamDir d;
    std::vector<uint8_t> w(kStreamWindowBytes);
    accept_segment(d, kIsn, kSyn, nullptr, 0, Mode::Prevent, w.data(), limit);
    uint32_t at = 0;
    while (at < stream.size()) {
      const uint32_t n = std::min<uint32_t>(1 + rng() % 300, static_cast<uint32_t>(stream.size()) - at);
      const auto* bytes = reinterpret_cast<const uint8_t*>(stream.data() + at);
      const SegmentPlan p = accept_segment(d, kIsn + 1 + at, kAck, bytes, n, Mode::Prevent, w.data(), limit);
      const uint32_t before = std::min(at, limit);
      ASSERT_EQ(std::string(reinterpret_cast<const char*>(w.data()), p.window_len), stream.substr(at - before, before + n));
      at += n;
      // A resend of a range inside the carry: equal passes, changed is refused.
      const uint32_t back = 1 + rng() % std::min<uint32_t>(at, kStreamCarry);
      const uint32_t len = 1 + rng() % back;
      const uint32_t from = at - back;
      std::string again = stream.substr(from, len);
      ASSERT_EQ(accept_segment(d, kIsn + 1 + from, kAck, reinterpret_cast<const uint8_t*>(again.data()), len,
                               Mode::Prevent, w.data(), limit).drop,
                SegmentPlan::Drop::kNone);
      again[rng() % len] ^= 0x20;
      ASSERT_EQ(accept_segment(d, kIsn + 1 + from, kAck, reinterpret_cast<const uint8_t*>(again.data()), len,
                               Mode::Prevent, w.data(), limit).drop,
                SegmentPlan::Drop::kOverlapMismatch);
    }
  }
}

}  // namespace
}  // namespace vfpath::ids
