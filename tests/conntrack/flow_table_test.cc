// The per-worker table: found from both directions, bulk lookup, deletion
// that keeps probe chains intact, timeouts on a fake clock, bounded aging
// slices, global and per-zone limits, memory per connection.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <vector>

#include "conntrack/flow_table.h"

namespace vfpath::ct {
namespace {

constexpr uint64_t kSec = 1000000000;  // the fake clock counts nanoseconds

KeyResult key_n(uint32_t n, uint16_t zone = 0, bool reversed = false) {
  IpAddr s{}, d{};
  s.words[0] = 0x0a000000u + n;
  d.words[0] = 0xc6336407u;
  be16 sp = be16::from_host(static_cast<uint16_t>(1024 + n % 60000)), dp = be16::from_host(443);
  return reversed ? make_key(zone, 4, 17, d, s, dp, sp, false) : make_key(zone, 4, 17, s, d, sp, dp, false);
}

std::unique_ptr<FlowTable> table(uint32_t capacity, uint16_t zones = 4) {
  auto t = FlowTable::create({.capacity = capacity, .zones = zones, .ticks_per_second = kSec});
  EXPECT_NE(t, nullptr);
  return t;
}

InsertResult add(FlowTable& t, const KeyResult& k, uint64_t now, TimeoutClass c = TimeoutClass::kUdpUnreplied) {
  return t.insert(k.key, flow_hash(k.key), {.originator = k.src_side, .tclass = c, .generation = 5, .tracked = true}, now);
}
EntryId find(FlowTable& t, const KeyResult& k, uint64_t now) { return t.lookup(k.key, flow_hash(k.key), now); }

TEST(FlowTable, FoundFromBothDirectionsKnowingTheOriginator) {
  auto t = table(1024);
  KeyResult fwd = key_n(1), rev = key_n(1, 0, true);
  InsertResult r = add(*t, fwd, 0);
  ASSERT_EQ(r.status, InsertStatus::kInserted);
  EXPECT_EQ(find(*t, rev, 0), r.id);
  const FlowEntry& e = t->entry(r.id);
  EXPECT_EQ(e.dir_of(fwd.src_side), Dir::kOriginal);
  EXPECT_EQ(e.dir_of(rev.src_side), Dir::kReply);
  EXPECT_EQ(e.generation, 5u);
  EXPECT_TRUE(e.flags & entry_flag::kTracked);
  EXPECT_EQ(add(*t, rev, 0).status, InsertStatus::kExists) << "the reply's key is the same connection";
}

TEST(FlowTable, BulkLookupAgreesWithSingleLookups) {
  auto t = table(4096);
  for (uint32_t i = 0; i < 2000; i += 2) ASSERT_EQ(add(*t, key_n(i), 0).status, InsertStatus::kInserted);
  FlowKey keys[32];
  uint64_t hashes[32];
  EntryId ids[32];
  for (uint32_t base = 0; base < 2000; base += 32) {
    for (uint32_t i = 0; i < 32; ++i) {
      keys[i] = key_n(base + i, 0, i % 3 == 0).key;  // hits on even n, some from the reply side
      hashes[i] = flow_hash(keys[i]);
    }
    t->lookup_bulk(keys, hashes, 32, 0, ids);
    for (uint32_t i = 0; i < 32; ++i) {
      EXPECT_EQ(ids[i], t->lookup(keys[i], hashes[i], 0));
      EXPECT_EQ(ids[i] != kNoEntry, (base + i) % 2 == 0 && base + i < 2000) << base + i;
    }
  }
}

// Random inserts and erases in a small, crowded table (load up to 1/2, long
// probe chains), checked against std::map after every step: backward-shift
// deletion must never strand a key behind an emptied slot.
TEST(FlowTable, EraseKeepsEveryOtherKeyFindable) {
  auto t = table(256);
  std::map<uint32_t, EntryId> ref;
  std::mt19937 rng(42);
  for (int step = 0; step < 20000; ++step) {
    uint32_t n = rng() % 600;
    KeyResult k = key_n(n);
    auto it = ref.find(n);
    if (it == ref.end()) {
      InsertResult r = add(*t, k, 0);
      if (ref.size() < 256) {
        ASSERT_EQ(r.status, InsertStatus::kInserted);
        ref[n] = r.id;
      } else {
        ASSERT_EQ(r.status, InsertStatus::kTableFull);
      }
    } else {
      t->erase(it->second);
      ref.erase(it);
    }
    if (step % 97 == 0) {
      for (uint32_t m = 0; m < 600; ++m) {
        auto f = ref.find(m);
        ASSERT_EQ(find(*t, key_n(m), 0), f == ref.end() ? kNoEntry : f->second) << "step " << step << " key " << m;
      }
    }
  }
  EXPECT_EQ(t->size(), ref.size());
}

struct TimeoutCase {
  const char* proves;
  TimeoutClass cls;
  ZoneTimeouts zone;
  double alive_s;  // still found at this age
  double dead_s;   // gone at this age
};

TEST(FlowTable, TimeoutsPerClassAndZone) {
  const TimeoutCase cases[] = {
      {"UDP unreplied 30 s", TimeoutClass::kUdpUnreplied, {}, 29.9, 30.1},
      {"UDP unreplied configured to 60 s", TimeoutClass::kUdpUnreplied, {.udp_unreplied_s = 60}, 59.9, 60.1},
      {"UDP stream 180 s", TimeoutClass::kUdpStream, {}, 179.9, 180.1},
      {"UDP stream configured to 60 s", TimeoutClass::kUdpStream, {.udp_stream_s = 60}, 59.9, 60.1},
      {"TCP established 432000 s", TimeoutClass::kTcpEstablished, {}, 431999, 432001},
      {"TCP established configured to 60 s", TimeoutClass::kTcpEstablished, {.tcp_established_s = 60}, 59.9, 60.1},
      {"TCP SYN_SENT 120 s", TimeoutClass::kTcpSynSent, {}, 119.9, 120.1},
      {"TCP SYN_RECV 60 s", TimeoutClass::kTcpSynRecv, {}, 59.9, 60.1},
      {"TCP LAST_ACK 30 s", TimeoutClass::kTcpLastAck, {}, 29.9, 30.1},
      {"TCP TIME_WAIT 120 s", TimeoutClass::kTcpTimeWait, {}, 119.9, 120.1},
      {"TCP CLOSE 10 s", TimeoutClass::kTcpClose, {}, 9.9, 10.1},
      {"ICMP echo 30 s", TimeoutClass::kIcmp, {}, 29.9, 30.1},
      {"other protocols 600 s", TimeoutClass::kOther, {}, 599.9, 600.1},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.proves);
    auto t = table(64);
    ASSERT_TRUE(t->set_zone(1, {.timeouts = c.zone}));
    const uint64_t t0 = 1000 * kSec;
    KeyResult k = key_n(9, 1);
    ASSERT_EQ(add(*t, k, t0, c.cls).status, InsertStatus::kInserted);
    EXPECT_NE(find(*t, k, t0 + static_cast<uint64_t>(c.alive_s * kSec)), kNoEntry);
    EXPECT_EQ(find(*t, k, t0 + static_cast<uint64_t>(c.dead_s * kSec)), kNoEntry);
    EXPECT_EQ(t->size(), 0u) << "a lookup frees what it finds expired";
  }
}

TEST(FlowTable, ZoneTimeoutsOutsideAwsRangesAreRefused) {
  auto t = table(64);
  EXPECT_FALSE(t->set_zone(0, {.timeouts = {.tcp_established_s = 59}}));
  EXPECT_FALSE(t->set_zone(0, {.timeouts = {.tcp_established_s = 432001}}));
  EXPECT_FALSE(t->set_zone(0, {.timeouts = {.udp_unreplied_s = 29}}));
  EXPECT_FALSE(t->set_zone(0, {.timeouts = {.udp_unreplied_s = 61}}));
  EXPECT_FALSE(t->set_zone(0, {.timeouts = {.udp_stream_s = 59}}));
  EXPECT_FALSE(t->set_zone(0, {.timeouts = {.udp_stream_s = 181}}));
  EXPECT_FALSE(t->set_zone(4, {})) << "zone beyond the configured count";
  EXPECT_TRUE(t->set_zone(0, {.timeouts = {.tcp_established_s = 60, .udp_unreplied_s = 60, .udp_stream_s = 60}}));
}

TEST(FlowTable, TouchRestartsTheTimerAndAClassChangeShortensIt) {
  auto t = table(64);
  KeyResult k = key_n(1);
  EntryId id = add(*t, k, 0, TimeoutClass::kUdpUnreplied).id;
  t->touch(id, TimeoutClass::kUdpUnreplied, 20 * kSec);
  EXPECT_NE(find(*t, k, 49 * kSec), kNoEntry);
  t->touch(id, TimeoutClass::kUdpStream, 49 * kSec);
  EXPECT_NEAR(t->seconds_left(id, 49 * kSec), 180.0, 0.01);
  t->touch(id, TimeoutClass::kTcpClose, 50 * kSec);
  EXPECT_EQ(t->age(61 * kSec, 100000), 1u) << "the shorter class is reaped on time by the wheel";
}

// Aging is sliced: each call examines at most `budget` entries, so 10,000
// expired connections take many calls, and live ones survive.
TEST(FlowTable, AgingFreesExpiredEntriesInBoundedSlices) {
  auto t = table(16384);
  for (uint32_t i = 0; i < 10000; ++i) ASSERT_EQ(add(*t, key_n(i), 0).status, InsertStatus::kInserted);
  for (uint32_t i = 0; i < 100; ++i) t->touch(find(*t, key_n(i), 0), TimeoutClass::kUdpStream, 20 * kSec);
  uint32_t calls = 0, freed = 0;
  for (uint64_t now = 31 * kSec; freed < 9900 && calls < 10000; ++calls) {
    uint32_t f = t->age(now, 64);
    EXPECT_LE(f, 64u);
    freed += f;
    now += kSec / 1000;
  }
  EXPECT_EQ(freed, 9900u);
  EXPECT_GE(calls, 9900u / 64);
  EXPECT_EQ(t->size(), 100u);
  EXPECT_EQ(t->stats().expired, 9900u);
  for (uint32_t i = 0; i < 100; ++i) EXPECT_NE(find(*t, key_n(i), 32 * kSec), kNoEntry);
  for (int i = 0; i < 100; ++i) t->age(201 * kSec, 1000);
  EXPECT_EQ(t->size(), 0u) << "the touched ones go 180 s after their last packet";
}

TEST(FlowTable, AgingCatchesUpAfterALongPause) {
  auto t = table(1024);
  for (uint32_t i = 0; i < 500; ++i) add(*t, key_n(i), i * kSec, TimeoutClass::kTcpEstablished);
  // Twice the longest timeout; deadlines compare as serial numbers, valid
  // within 2^31 internal units (~13 days), and age() runs every loop.
  uint64_t later = 2 * 432000 * kSec;
  uint32_t freed = 0;
  for (int i = 0; i < 100 && freed < 500; ++i) freed += t->age(later, 256);
  EXPECT_EQ(freed, 500u);
}

TEST(FlowTable, ZoneAllowanceRefusesOnlyNewConnectionsOfThatZone) {
  auto t = table(1024);
  ASSERT_TRUE(t->set_zone(1, {.allowance = 10}));
  std::vector<EntryId> ids;
  for (uint32_t i = 0; i < 10; ++i) ids.push_back(add(*t, key_n(i, 1), 0).id);
  EXPECT_EQ(t->allowance_available(1), 0u);
  EXPECT_EQ(add(*t, key_n(100, 1), 0).status, InsertStatus::kZoneFull);
  EXPECT_EQ(add(*t, key_n(101, 1), 0).status, InsertStatus::kZoneFull);
  EXPECT_EQ(t->allowance_exceeded(1), 2u);
  EXPECT_EQ(find(*t, key_n(3, 1, true), 0), ids[3]) << "established connections keep working";
  EXPECT_EQ(add(*t, key_n(3, 1), 0).status, InsertStatus::kExists);
  EXPECT_EQ(add(*t, key_n(100, 2), 0).status, InsertStatus::kInserted) << "other zones are not affected";
  EXPECT_EQ(t->allowance_exceeded(2), 0u);
  t->erase(ids[0]);
  EXPECT_EQ(t->allowance_available(1), 1u);
  EXPECT_EQ(add(*t, key_n(100, 1), 0).status, InsertStatus::kInserted);
}

// Workers each own a table; an ENI's allowance is across all of them.
TEST(FlowTable, TablesSharingZoneCountsEnforceOneAllowance) {
  auto shared = std::make_unique<SharedZoneCount[]>(4);
  auto a = table(1024), b = table(1024);
  a->share_zone_counts(shared.get());
  b->share_zone_counts(shared.get());
  for (auto* t : {a.get(), b.get()}) ASSERT_TRUE(t->set_zone(1, {.allowance = 5}));
  for (uint32_t i = 0; i < 3; ++i) EXPECT_EQ(add(*a, key_n(i, 1), 0).status, InsertStatus::kInserted);
  const EntryId last = add(*b, key_n(10, 1), 0).id;
  EXPECT_EQ(add(*b, key_n(11, 1), 0).status, InsertStatus::kInserted);
  EXPECT_EQ(add(*b, key_n(12, 1), 0).status, InsertStatus::kZoneFull) << "3 + 2 = the allowance of 5";
  EXPECT_EQ(add(*a, key_n(13, 1), 0).status, InsertStatus::kZoneFull);
  EXPECT_EQ(a->allowance_available(1), 0u);
  b->erase(last);
  EXPECT_EQ(a->allowance_available(1), 1u) << "a connection freed on one table frees room for all";
  EXPECT_EQ(add(*a, key_n(13, 1), 0).status, InsertStatus::kInserted);
  EXPECT_EQ(shared[1].connections.load(), 5u);
}

TEST(FlowTable, GlobalCapacityRefusesNewConnectionsAndCountsThePerZoneExceeded) {
  auto t = table(64);
  for (uint32_t i = 0; i < 64; ++i) ASSERT_EQ(add(*t, key_n(i, i % 2), 0).status, InsertStatus::kInserted);
  EXPECT_EQ(add(*t, key_n(1000, 3), 0).status, InsertStatus::kTableFull);
  EXPECT_EQ(t->allowance_exceeded(3), 1u);
  EXPECT_EQ(t->allowance_available(3), 0u);
  EXPECT_EQ(t->stats().table_full, 1u);
  for (uint32_t i = 0; i < 64; ++i) EXPECT_NE(find(*t, key_n(i, i % 2, true), 0), kNoEntry);
}

// A stale id whose old key now lives under another id must not free it.
TEST(FlowTable, EraseOfAFreedIdIsANoOp) {
  auto t = table(64);
  EntryId a = add(*t, key_n(1), 0).id, b = add(*t, key_n(2), 0).id;
  t->erase(a);
  t->erase(b);
  EntryId again = add(*t, key_n(1), 0).id;
  ASSERT_NE(again, a);
  t->erase(a);
  EXPECT_EQ(find(*t, key_n(1), 0), again);
  EXPECT_EQ(t->size(), 1u);
}

TEST(FlowTable, ExpiredEntryIsReplacedOnInsert) {
  auto t = table(64);
  add(*t, key_n(1), 0);
  InsertResult r = add(*t, key_n(1, 0, true), 31 * kSec);
  EXPECT_EQ(r.status, InsertStatus::kInserted);
  EXPECT_EQ(t->entry(r.id).originator(), key_n(1, 0, true).src_side) << "the new first packet originates";
  EXPECT_EQ(t->size(), 1u);
}

TEST(FlowTable, DefaultCapacityFitsOneMillionAt128BytesEach) {
  auto t = FlowTable::create({});
  ASSERT_NE(t, nullptr);
  EXPECT_GE(t->capacity(), 1000000u);
  EXPECT_LE(t->bytes_per_connection(), 128.2);  // 112 entry + 16 index + the wheel and zones
}

TEST(FlowTable, BadConfigIsRefused) {
  EXPECT_EQ(FlowTable::create({.capacity = 0}), nullptr);
  EXPECT_EQ(FlowTable::create({.capacity = kMaxCapacity + 1}), nullptr);
  EXPECT_EQ(FlowTable::create({.capacity = 64, .zones = 0}), nullptr);
}

}  // namespace
}  // namespace vfpath::ct
