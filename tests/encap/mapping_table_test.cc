// The mapping table and the VNI map: deltas, longest prefix match, VPC
// isolation, churn against a model, and readers on other threads during
// updates (never a torn entry, never a miss of an entry nobody touches).
#include "encap/mapping_table.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <random>
#include <thread>

#include "encap/vni_map.h"
#include "tests/encap/buffers.h"

namespace vfpath::encap {
namespace {

OverlayAddr a4(const std::string& s) { return OverlayAddr::v4(test::v4addr(s)); }
OverlayAddr a6(const std::string& s) { return OverlayAddr::v6(test::v6addr(s)); }
Mapping host(const std::string& underlay, uint8_t mac_last = 1) {
  Mapping m{UnderlayIp::v4(test::v4addr(underlay)), {}};
  m.mac.bytes = {0x02, 0, 0, 0, 0, mac_last};
  return m;
}

TEST(MappingTable, DeltasAddReplaceRemove) {
  MappingTable t(16, 4);
  Mapping out;
  EXPECT_EQ(t.put_host(1, a4("10.0.0.5"), host("192.0.2.2")), UpdateStatus::kAdded);
  ASSERT_TRUE(t.find(1, a4("10.0.0.5"), out));
  EXPECT_EQ(out, host("192.0.2.2"));
  EXPECT_EQ(t.put_host(1, a4("10.0.0.5"), host("192.0.2.3", 7)), UpdateStatus::kReplaced) << "a VM moved host";
  ASSERT_TRUE(t.find(1, a4("10.0.0.5"), out));
  EXPECT_EQ(out, host("192.0.2.3", 7));
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.remove_host(1, a4("10.0.0.5")), UpdateStatus::kRemoved);
  EXPECT_FALSE(t.find(1, a4("10.0.0.5"), out));
  EXPECT_EQ(t.remove_host(1, a4("10.0.0.5")), UpdateStatus::kNotFound);
  EXPECT_EQ(t.size(), 0u);
}

TEST(MappingTable, RefusesInvalidAndBeyondCapacity) {
  MappingTable t(2, 4);
  EXPECT_EQ(t.put_host(4, a4("10.0.0.1"), host("192.0.2.2")), UpdateStatus::kInvalid) << "VPC index out of range";
  EXPECT_EQ(t.put(1, a4("10.0.0.1"), 33, host("192.0.2.2")), UpdateStatus::kInvalid) << "/33 for IPv4";
  EXPECT_EQ(t.put(1, a6("fd00::1"), 129, host("192.0.2.2")), UpdateStatus::kInvalid) << "/129 for IPv6";
  EXPECT_EQ(t.put_host(1, a4("10.0.0.1"), host("192.0.2.2")), UpdateStatus::kAdded);
  EXPECT_EQ(t.put_host(1, a4("10.0.0.2"), host("192.0.2.2")), UpdateStatus::kAdded);
  EXPECT_EQ(t.put_host(1, a4("10.0.0.3"), host("192.0.2.2")), UpdateStatus::kFull);
  EXPECT_EQ(t.put_host(1, a4("10.0.0.2"), host("192.0.2.9")), UpdateStatus::kReplaced) << "replacing needs no room";
  Mapping out;
  EXPECT_FALSE(t.find(4, a4("10.0.0.1"), out));
}

TEST(MappingTable, LongestPrefixMatchWithinTheVpc) {
  MappingTable t(64, 4);
  t.put(1, a4("0.0.0.0"), 0, host("192.0.2.100"));   // default route to the gateway host
  t.put(1, a4("10.1.0.0"), 16, host("192.0.2.16"));
  t.put(1, a4("10.1.2.99"), 24, host("192.0.2.24"));  // host bits ignored: 10.1.2.0/24
  t.put_host(1, a4("10.1.2.3"), host("192.0.2.32"));
  t.put(1, a6("::"), 0, host("192.0.2.100"));
  t.put(1, a6("fd00:1::"), 48, host("192.0.2.48"));
  t.put(1, a6("fd00:1:0:1::"), 64, host("192.0.2.64"));
  t.put(1, a6("fd00:1:0:1::8000:0:0"), 97, host("192.0.2.97"));
  t.put_host(1, a6("fd00:1:0:1::5"), host("192.0.2.128"));
  struct Row {
    const char* proves;
    OverlayAddr addr;
    const char* want;  // underlay, or nullptr for no match
  };
  const std::vector<Row> rows = {
      {"host mapping beats every route", a4("10.1.2.3"), "192.0.2.32"},
      {"/24 beats /16", a4("10.1.2.4"), "192.0.2.24"},
      {"/16 beats the default", a4("10.1.3.1"), "192.0.2.16"},
      {"the default route catches the rest", a4("8.8.8.8"), "192.0.2.100"},
      {"IPv6 host", a6("fd00:1:0:1::5"), "192.0.2.128"},
      {"IPv6 /97: a length in the second 64 bits", a6("fd00:1:0:1::8000:0:1"), "192.0.2.97"},
      {"IPv6 /64", a6("fd00:1:0:1::6"), "192.0.2.64"},
      {"IPv6 /48", a6("fd00:1:0:2::1"), "192.0.2.48"},
      {"IPv6 default", a6("2001:db8::1"), "192.0.2.100"},
  };
  for (const Row& r : rows) {
    Mapping out;
    ASSERT_TRUE(t.find(1, r.addr, out)) << r.proves;
    EXPECT_EQ(out.underlay, UnderlayIp::v4(test::v4addr(r.want))) << r.proves;
  }
  Mapping out;
  EXPECT_FALSE(t.find(2, a4("10.1.2.3"), out)) << "another VPC sees none of VPC 1's routes";
  EXPECT_EQ(t.remove(1, a4("10.1.2.0"), 24), UpdateStatus::kRemoved);
  ASSERT_TRUE(t.find(1, a4("10.1.2.4"), out));
  EXPECT_EQ(out.underlay, UnderlayIp::v4(test::v4addr("192.0.2.16"))) << "after removing the /24, the /16";
  EXPECT_EQ(t.remove(1, a4("0.0.0.0"), 0), UpdateStatus::kRemoved);
  EXPECT_FALSE(t.find(1, a4("8.8.8.8"), out)) << "no default route, no mapping";
  EXPECT_TRUE(t.find_exact(1, a4("10.1.0.0"), 16, out));
  EXPECT_FALSE(t.find_exact(1, a4("10.1.0.0"), 17, out));
}

TEST(MappingTable, OverlappingAddressesInTwoVpcsStayApart) {
  MappingTable t(16, 4);
  t.put_host(1, a4("10.0.0.5"), host("192.0.2.1"));
  t.put_host(2, a4("10.0.0.5"), host("192.0.2.2"));
  t.put_host(2, a6("::10.0.0.5"), host("192.0.2.6"));  // same 16 bytes, other family
  Mapping out;
  ASSERT_TRUE(t.find(1, a4("10.0.0.5"), out));
  EXPECT_EQ(out, host("192.0.2.1"));
  ASSERT_TRUE(t.find(2, a4("10.0.0.5"), out));
  EXPECT_EQ(out, host("192.0.2.2"));
  EXPECT_FALSE(t.find(1, a6("::10.0.0.5"), out));
  t.remove_host(1, a4("10.0.0.5"));
  EXPECT_TRUE(t.find(2, a4("10.0.0.5"), out)) << "removing VPC 1's entry leaves VPC 2's";
}

TEST(MappingTable, ChurnMatchesAModel) {
  // Many more deltas than slots: tombstones must be reused or cleared, and
  // every answer must match a std::map.
  MappingTable t(256, 8);
  std::map<std::pair<uint16_t, uint32_t>, uint32_t> model;
  std::mt19937 rng(7);
  for (int op = 0; op < 200000; ++op) {
    uint16_t vpc = static_cast<uint16_t>(rng() % 8);
    uint32_t addr = 0x0a000000u | (rng() % 400);
    OverlayAddr a = OverlayAddr::v4(Ipv4Addr::from_host(addr));
    auto key = std::make_pair(vpc, addr);
    if (rng() % 2) {
      uint32_t v = rng();
      UpdateStatus s = t.put_host(vpc, a, Mapping{UnderlayIp::v4(Ipv4Addr::from_host(v)), {}});
      if (model.count(key)) {
        ASSERT_EQ(s, UpdateStatus::kReplaced);
        model[key] = v;
      } else if (model.size() < 256) {
        ASSERT_EQ(s, UpdateStatus::kAdded);
        model[key] = v;
      } else {
        ASSERT_EQ(s, UpdateStatus::kFull);
      }
    } else {
      ASSERT_EQ(t.remove_host(vpc, a), model.erase(key) ? UpdateStatus::kRemoved : UpdateStatus::kNotFound);
    }
    if (op % 1000 == 0) {
      for (uint16_t v = 0; v < 8; ++v)
        for (uint32_t i = 0; i < 400; ++i) {
          Mapping out;
          bool found = t.find(v, OverlayAddr::v4(Ipv4Addr::from_host(0x0a000000u | i)), out);
          auto it = model.find({v, 0x0a000000u | i});
          ASSERT_EQ(found, it != model.end());
          if (found) {
            ASSERT_EQ(out.underlay.addr.words[0], Ipv4Addr::from_host(it->second).value.raw());
          }
        }
    }
  }
  EXPECT_EQ(t.size(), model.size());
}

// A value whose parts all derive from one number, so a torn read (parts of
// two updates) is detectable.
Mapping versioned(uint32_t v) {
  Mapping m;
  m.underlay.ipv6 = true;
  m.underlay.addr.qwords[0] = v;
  m.underlay.addr.qwords[1] = ~uint64_t{v};
  m.mac.bytes = {0x02, static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 8),
                 static_cast<uint8_t>(v), 0x5a};
  return m;
}

TEST(MappingTable, ReadersDuringUpdatesSeeWholeEntriesAndNeverMissUntouchedOnes) {
  // Keys 0..3 are hot (rewritten millions of times: readers race with the
  // very stores of an update; they may miss one when the writer is preempted
  // inside the slot, never see a torn entry), 4..999 are never touched after
  // the start (never missed while their neighbours change), 1000..1499 are
  // added and removed in turn (their inserts and tombstones sit in the probe
  // chains of the others).
  MappingTable t(4096, 4);
  constexpr uint32_t kHot = 4, kStable = 1000, kChurn = 500;
  auto addr = [](uint32_t i) { return OverlayAddr::v4(Ipv4Addr::from_host(0x0a000000u + i)); };
  for (uint32_t i = 0; i < kStable; ++i) t.put_host(1, addr(i), versioned(i));
  std::atomic<bool> stop{false};
  std::atomic<int> started{0};
  std::atomic<uint64_t> lookups{0}, torn{0}, stable_misses{0};
  auto reader = [&] {
    uint64_t n = 0;
    started.fetch_add(1);
    auto check = [&](uint32_t i) {
      Mapping out;
      bool found = t.find(1, addr(i), out);
      if (i >= kHot && i < kStable && !found) stable_misses.fetch_add(1, std::memory_order_relaxed);
      if (found && out != versioned(static_cast<uint32_t>(out.underlay.addr.qwords[0])))
        torn.fetch_add(1, std::memory_order_relaxed);
      ++n;
    };
    for (uint32_t i = 0; !stop.load(std::memory_order_relaxed); i = (i + 1) % (kStable + kChurn)) {
      check(i % kHot);
      check(i);
    }
    lookups.fetch_add(n);
  };
  std::thread r1(reader), r2(reader);
  while (started.load() < 2) std::this_thread::yield();
  uint32_t version = 1u << 20;
  for (int round = 0; round < 100; ++round) {
    for (int k = 0; k < 25000; ++k) t.put_host(1, addr(k % kHot), versioned(version++));
    for (uint32_t i = kStable; i < kStable + kChurn; ++i) {
      if (round % 2 == 0)
        t.put_host(1, addr(i), versioned(version++));
      else
        t.remove_host(1, addr(i));
    }
  }
  stop = true;
  r1.join();
  r2.join();
  EXPECT_GT(lookups.load(), 100000u) << "the readers ran alongside the writer";
  EXPECT_EQ(torn.load(), 0u) << "a reader saw parts of two updates";
  EXPECT_EQ(stable_misses.load(), 0u) << "an entry nobody touched went missing";
}

TEST(VniMap, AddFindReplaceRemove) {
  VniMap m(4);
  uint16_t vpc = 0;
  EXPECT_FALSE(m.find(100, vpc));
  EXPECT_TRUE(m.add(100, 1));
  EXPECT_TRUE(m.add(0xffffff, 2)) << "the largest VNI";
  EXPECT_FALSE(m.add(0x1000000, 3)) << "25 bits";
  ASSERT_TRUE(m.find(100, vpc));
  EXPECT_EQ(vpc, 1);
  EXPECT_TRUE(m.add(100, 5));
  ASSERT_TRUE(m.find(100, vpc));
  EXPECT_EQ(vpc, 5);
  EXPECT_TRUE(m.add(1, 1));
  EXPECT_TRUE(m.add(2, 1));
  EXPECT_FALSE(m.add(3, 1)) << "full at 4";
  EXPECT_TRUE(m.remove(2));
  EXPECT_FALSE(m.remove(2));
  EXPECT_FALSE(m.find(2, vpc));
  EXPECT_TRUE(m.add(3, 1)) << "room again after a removal";
  EXPECT_TRUE(m.find(0xffffff, vpc));
  EXPECT_EQ(vpc, 2);
}

TEST(VniMap, ChurnNeverLosesOtherVnis) {
  VniMap m(64);
  for (uint32_t v = 0; v < 32; ++v) m.add(v * 1000, static_cast<uint16_t>(v));
  for (int round = 0; round < 1000; ++round) {
    uint32_t vni = 5000000 + round % 50;
    ASSERT_TRUE(m.add(vni, 9));
    ASSERT_TRUE(m.remove(vni));
  }
  for (uint32_t v = 0; v < 32; ++v) {
    uint16_t vpc;
    ASSERT_TRUE(m.find(v * 1000, vpc));
    EXPECT_EQ(vpc, v);
  }
}

}  // namespace
}  // namespace vfpath::encap
