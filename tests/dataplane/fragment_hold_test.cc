// The hold's bounds and bookkeeping, table by table: what is kept, what is
// refused and why, what comes back and when.
#include "dataplane/fragment_hold.h"

#include <gtest/gtest.h>

#include <vector>

namespace vfpath {
namespace {

rte_mbuf* fake_mbuf(uintptr_t n) { return reinterpret_cast<rte_mbuf*>(0x1000 * n); }

HeldFragment fragment(uint32_t id, uint16_t begin, uint16_t end, uint32_t eni_slot, uintptr_t mbuf) {
  HeldFragment f;
  f.mbuf = fake_mbuf(mbuf);
  f.datagram.id = id;
  f.datagram.proto = 17;
  f.datagram.family = 4;
  f.begin = begin;
  f.end = end;
  f.eni_slot = eni_slot;
  return f;
}

TEST(FragmentHold, KeepsUpToItsBoundsAndRefusesOverlaps) {
  FragmentHold h(4, 2, 100);
  struct Step {
    const char* proves;
    HeldFragment f;
    FragmentHold::Kept expect;
  };
  const std::vector<Step> steps = {
      {"a fragment is kept", fragment(1, 40, 80, 0, 1), FragmentHold::Kept::kKept},
      {"another of the same datagram, adjacent", fragment(1, 80, 96, 0, 2), FragmentHold::Kept::kKept},
      {"a third of ENI 0: over its share", fragment(2, 40, 80, 0, 3), FragmentHold::Kept::kFull},
      {"one overlapping a held one of its datagram", fragment(1, 72, 88, 1, 4), FragmentHold::Kept::kOverlap},
      {"the same bytes of another datagram are no overlap", fragment(3, 40, 80, 1, 5), FragmentHold::Kept::kKept},
      {"ENI 2 fills the hold", fragment(4, 40, 80, 2, 6), FragmentHold::Kept::kKept},
      {"the hold is full for everyone", fragment(5, 40, 80, 3, 7), FragmentHold::Kept::kFull},
      {"an ENI slot out of range is refused", fragment(6, 40, 80, kMaxEnis, 8), FragmentHold::Kept::kFull},
  };
  for (const Step& s : steps) {
    SCOPED_TRACE(s.proves);
    EXPECT_EQ(static_cast<int>(h.keep(s.f, 10)), static_cast<int>(s.expect));
  }
  EXPECT_EQ(h.size(), 4u);
  HeldFragment out[4];
  ASSERT_EQ(h.take(fragment(1, 0, 0, 0, 0).datagram, out, 4), 2u);
  EXPECT_EQ(out[0].mbuf, fake_mbuf(1));
  EXPECT_EQ(out[1].mbuf, fake_mbuf(2));
  EXPECT_EQ(h.size(), 2u);
  EXPECT_EQ(static_cast<int>(h.keep(fragment(7, 0, 8, 0, 9), 10)), static_cast<int>(FragmentHold::Kept::kKept))
      << "ENI 0's share came back with its fragments";
}

TEST(FragmentHold, ExpiresAtTheDeadlineAndOnlyThen) {
  FragmentHold h(8, 8, 100);
  ASSERT_EQ(static_cast<int>(h.keep(fragment(1, 40, 80, 0, 1), 10)), static_cast<int>(FragmentHold::Kept::kKept));
  ASSERT_EQ(static_cast<int>(h.keep(fragment(2, 40, 80, 0, 2), 50)), static_cast<int>(FragmentHold::Kept::kKept));
  HeldFragment out[8];
  EXPECT_EQ(h.take_expired(109, out, 8), 0u);
  ASSERT_EQ(h.take_expired(110, out, 8), 1u);
  EXPECT_EQ(out[0].mbuf, fake_mbuf(1));
  EXPECT_EQ(h.take_expired(149, out, 8), 0u);
  ASSERT_EQ(h.take_expired(150, out, 8), 1u);
  EXPECT_EQ(out[0].mbuf, fake_mbuf(2));
  EXPECT_TRUE(h.empty());
}

TEST(FragmentHold, TakesInChunksOfTheCallersSize) {
  FragmentHold h(64, 64, 100);
  for (uint16_t k = 0; k < 40; ++k)
    ASSERT_EQ(static_cast<int>(h.keep(fragment(1, static_cast<uint16_t>(8 * k + 8), static_cast<uint16_t>(8 * k + 16), 0, k + 1), 0)),
              static_cast<int>(FragmentHold::Kept::kKept));
  HeldFragment out[32];
  EXPECT_EQ(h.take(fragment(1, 0, 0, 0, 0).datagram, out, 32), 32u);
  EXPECT_EQ(h.take(fragment(1, 0, 0, 0, 0).datagram, out, 32), 8u);
  EXPECT_EQ(h.take(fragment(1, 0, 0, 0, 0).datagram, out, 32), 0u);
  EXPECT_EQ(h.take_any(out, 32), 0u);
}

}  // namespace
}  // namespace vfpath
