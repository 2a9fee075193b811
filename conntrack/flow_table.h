// The per-worker connection table. One writer (the owning worker), no locks:
// a connection belongs to the worker owner_worker(flow_hash(key)) picks, and
// packets seen elsewhere are handed to it (see README.md for why, measured).
//
// Layout, for capacity C (all allocated at creation, 64-byte aligned, plain
// aligned_alloc so it works without EAL; arrays over 2 MB ask for transparent
// huge pages):
//   index   S = pow2 >= 2C slots of 8 bytes: linear probing, load <= 1/2,
//           backward-shift deletion (no tombstones). A slot holds 36 bits of
//           the hash (its low bits, so the home slot is recomputable) and the
//           entry id + 1 (28 bits); 0 = empty.
//   hot     C FlowEntry of 64 bytes: key, deadline, aging links, policy.
//   tcp     C TcpConn of 48 bytes, read only for TCP.
// Bytes per connection = 112 + 8 * S / C; 128 at the default 1 << 20.
//
// Time: every call that needs it takes `now` in the caller's ticks (TSC or
// ns; ticks_per_second at creation), monotonic. Internally 0.5..1 ms units (a
// shift); deadlines are 32-bit serial numbers, valid within 2^31 units
// (>= 12 days), which holds because age() runs every loop.
//
// Aging: a hashed timer wheel of 4096 slots of 256 internal units (~0.13 s
// in ns, ~0.2 s in TSC at 2.6 GHz), with lazy rescheduling: a packet only
// stores a new deadline in the entry (no list operation); the wheel visits an
// entry at the deadline it had when queued and either frees it or requeues it
// at its current deadline (clamped to the wheel's span). A deadline that
// moves earlier (a state change to a shorter class) requeues at once, so an
// entry is reaped within one wheel slot of its deadline. Lookups treat an
// expired entry as absent whatever the wheel's backlog.
//
// Limits: a global capacity and per zone an allowance; insert refuses with
// kTableFull / kZoneFull (the caller drops as conntrack_full) and counts
// allowance_exceeded for the zone. Existing entries are unaffected.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "conntrack/flow_key.h"
#include "conntrack/tcp_state.h"
#include "conntrack/timeouts.h"

namespace vfpath::ct {

using EntryId = uint32_t;
inline constexpr EntryId kNoEntry = 0xffffffffu;
inline constexpr uint32_t kMaxCapacity = (1u << 28) - 2;

namespace entry_flag {
inline constexpr uint8_t kOrigIsB = 0x01;    // the originator is canonical side B
inline constexpr uint8_t kTracked = 0x02;    // admitted as tracked (not all-open both ways)
inline constexpr uint8_t kSeenReply = 0x04;  // a packet went in the reply direction
}  // namespace entry_flag

// One cache line. Offsets: 0 key, 40 deadline, 44 next, 48 prev,
// 52 generation, 56 wheel_slot, 58 tclass, 59 flags, 60 reserved.
struct alignas(64) FlowEntry {
  FlowKey key;
  uint32_t deadline;     // internal time units, serial (wraps after ~26 days)
  uint32_t next;         // wheel list (free list when unused)
  uint32_t prev;
  uint32_t generation;   // policy generation that admitted the connection
  uint16_t wheel_slot;
  TimeoutClass tclass;
  uint8_t flags;         // entry_flag
  uint32_t reserved;

  Side originator() const { return (flags & entry_flag::kOrigIsB) ? Side::kB : Side::kA; }
  Dir dir_of(Side src) const { return src == originator() ? Dir::kOriginal : Dir::kReply; }
};
static_assert(sizeof(FlowEntry) == 64);
static_assert(offsetof(FlowEntry, deadline) == 40 && offsetof(FlowEntry, generation) == 52 &&
              offsetof(FlowEntry, wheel_slot) == 56 && offsetof(FlowEntry, flags) == 59);

struct FlowTableConfig {
  uint32_t capacity = 1u << 20;          // connections, <= kMaxCapacity
  uint16_t zones = 1024;                 // zone (ENI) ids 0..zones-1
  uint64_t ticks_per_second = 1000000000;  // of the `now` values passed in
};

// Per-zone settings; the allowance defaults to the whole table.
struct ZoneConfig {
  uint32_t allowance = 0xffffffffu;  // max connections of this zone
  ZoneTimeouts timeouts{};
  bool liberal = false;              // TCP: no window checks
  bool pickup = true;                // TCP: admit a connection first seen mid-stream
};

enum class InsertStatus : uint8_t { kInserted, kExists, kTableFull, kZoneFull };
struct InsertResult {
  EntryId id;  // the entry (inserted or existing); kNoEntry when refused
  InsertStatus status;
};

struct NewEntry {
  Side originator;
  TimeoutClass tclass;
  uint32_t generation;
  bool tracked;
};

// Connections per zone across several tables (one per worker): a zone's
// allowance is the ENI's, whichever workers own its connections. Updated
// only when a connection is created or freed (compare-and-swap against the
// allowance, so it is never exceeded), never per packet.
struct alignas(64) SharedZoneCount {
  std::atomic<uint32_t> connections{0};
};

struct TableStats {
  uint64_t inserted = 0;
  uint64_t expired = 0;     // freed by age() or found expired by a lookup
  uint64_t erased = 0;      // freed by erase()
  uint64_t table_full = 0;  // inserts refused for the global capacity
};

class FlowTable final {
 public:
  // nullptr when the config is out of range or memory is short. Not for the
  // fast path.
  static std::unique_ptr<FlowTable> create(const FlowTableConfig& config);
  ~FlowTable();
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  // Count zones in `shared` (an array of zones() entries, outliving the
  // table, shared by the tables of all workers) instead of per table for the
  // allowance. Call before the first insert.
  void share_zone_counts(SharedZoneCount* shared) { shared_ = shared; }

  // Zone settings; false (and no change) when zone or timeouts are out of range.
  bool set_zone(uint16_t zone, const ZoneConfig& config);
  const ZoneConfig& zone(uint16_t zone) const { return zones_[zone].config; }

  // Finds each key; ids[i] = its entry or kNoEntry. hashes[i] = flow_hash(keys[i]).
  // An expired entry is freed and reported absent. Prefetches across the batch.
  void lookup_bulk(const FlowKey* keys, const uint64_t* hashes, uint32_t n, uint64_t now, EntryId* ids);
  EntryId lookup(const FlowKey& key, uint64_t hash, uint64_t now);
  // Starts loading the home slot of `hash`: call as each packet's hash is
  // computed, before lookup_bulk(), so the loads overlap with the hashing.
  void prefetch(uint64_t hash) const { __builtin_prefetch(&slots_[home(hash)]); }

  // Adds a connection (key.zone counts against its zone). kExists returns the
  // live entry with that key (e.g. a second packet of a new flow in one burst).
  // A zone >= zones() is refused as kZoneFull (there is no counter for it).
  InsertResult insert(const FlowKey& key, uint64_t hash, const NewEntry& e, uint64_t now);
  // Frees a live entry; an id that is not live is ignored.
  void erase(EntryId id);

  // Restarts the idle timer of `id` in class `c` (the class may change).
  void touch(EntryId id, TimeoutClass c, uint64_t now);

  // Frees expired entries, visiting at most `budget` wheel slots or entries
  // (an empty slot costs one). Returns how many it freed. Call once per
  // worker loop.
  uint32_t age(uint64_t now, uint32_t budget);

  FlowEntry& entry(EntryId id) { return hot_[id]; }
  const FlowEntry& entry(EntryId id) const { return hot_[id]; }
  TcpConn& tcp(EntryId id) { return tcp_[id]; }
  const TcpConn& tcp(EntryId id) const { return tcp_[id]; }

  uint32_t size() const { return size_; }
  uint32_t capacity() const { return capacity_; }
  uint16_t zones() const { return zone_limit_; }
  uint32_t zone_count(uint16_t zone) const { return zones_[zone].count; }
  // min(allowance left, table room left): the ENA conntrack_allowance_available.
  uint32_t allowance_available(uint16_t zone) const;
  // New connections refused for this zone (zone allowance or global capacity):
  // the ENA conntrack_allowance_exceeded.
  uint64_t allowance_exceeded(uint16_t zone) const { return zones_[zone].exceeded; }
  const TableStats& stats() const { return stats_; }
  // Table memory per connection at capacity, everything included.
  double bytes_per_connection() const;
  // Remaining time of an entry in seconds (tests, telemetry).
  double seconds_left(EntryId id, uint64_t now) const;
  // Listing (control path, on the owning worker): the index has slot_count()
  // slots; slot_entry(pos) is the live entry there, or kNoEntry. An entry
  // with seconds_left <= 0 is expired (lookups treat it as absent).
  uint64_t slot_count() const { return slot_mask_ + 1; }
  EntryId slot_entry(uint64_t pos) const {
    return slots_[pos] ? static_cast<EntryId>((slots_[pos] & kIdMask) - 1) : kNoEntry;
  }

 private:
  struct Zone {
    ZoneConfig config;
    uint32_t count = 0;
    uint32_t timeout[kTimeoutClassCount] = {};  // internal units
    uint64_t exceeded = 0;
  };
  static constexpr uint32_t kWheelSlots = 4096;
  static constexpr uint32_t kWheelShift = 8;  // internal units per wheel slot = 256
  static constexpr uint32_t kIdBits = 28;
  static constexpr uint64_t kIdMask = (1ull << kIdBits) - 1;
  static constexpr uint64_t kTagMask = (1ull << 36) - 1;

  FlowTable() = default;
  uint64_t internal(uint64_t now) const { return now >> time_shift_; }
  // A key's first probe. (Starting at its 64-byte line's first slot instead,
  // to settle misses within one line, measured no better: longer scans.)
  uint64_t home(uint64_t hash) const { return hash & slot_mask_; }
  void compute_timeouts(Zone& z);
  uint64_t find_slot(const FlowKey& key, uint64_t hash, uint64_t pos) const;  // slot index or ~0
  bool expired(const FlowEntry& e, uint64_t t) const {
    return static_cast<int32_t>(e.deadline - static_cast<uint32_t>(t)) <= 0;
  }
  void free_entry(uint64_t slot_pos, EntryId id);
  void remove_slot(uint64_t pos);
  void wheel_link(EntryId id, uint64_t tick);
  void wheel_unlink(EntryId id);
  void schedule(EntryId id, uint64_t deadline64);

  uint64_t* slots_ = nullptr;
  FlowEntry* hot_ = nullptr;
  TcpConn* tcp_ = nullptr;
  uint64_t slot_mask_ = 0;
  uint32_t capacity_ = 0;
  uint32_t size_ = 0;
  uint32_t free_head_ = kNoEntry;
  uint32_t time_shift_ = 0;
  uint64_t ticks_per_second_ = 0;
  uint64_t wheel_cursor_ = 0;       // next wheel tick to process
  bool wheel_started_ = false;
  uint32_t wheel_head_[kWheelSlots];
  std::unique_ptr<Zone[]> zones_;
  uint16_t zone_limit_ = 0;
  SharedZoneCount* shared_ = nullptr;
  TableStats stats_;
};

}  // namespace vfpath::ct
