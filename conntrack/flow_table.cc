#include "conntrack/flow_table.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include <sys/mman.h>

namespace vfpath::ct {
namespace {

// Large arrays are 2 MB aligned and marked for transparent huge pages: with
// 4 KB pages a random probe into a 1M table costs a TLB walk per access.
template <typename T>
T* alloc_array(std::size_t n) {
  constexpr std::size_t kHuge = 2u << 20;
  std::size_t bytes = n * sizeof(T);
  if (bytes < kHuge) return static_cast<T*>(std::aligned_alloc(64, (bytes + 63) & ~std::size_t{63}));
  bytes = (bytes + kHuge - 1) & ~(kHuge - 1);
  void* p = std::aligned_alloc(kHuge, bytes);
  if (p) madvise(p, bytes, MADV_HUGEPAGE);  // advice only: failure leaves 4 KB pages
  return static_cast<T*>(p);
}

}  // namespace

std::unique_ptr<FlowTable> FlowTable::create(const FlowTableConfig& cfg) {
  if (cfg.capacity == 0 || cfg.capacity > kMaxCapacity || cfg.zones == 0 || cfg.ticks_per_second == 0)
    return nullptr;
  std::unique_ptr<FlowTable> t(new (std::nothrow) FlowTable());
  if (!t) return nullptr;
  uint64_t slots = 64;
  while (slots < 2ull * cfg.capacity) slots <<= 1;
  t->capacity_ = cfg.capacity;
  t->slot_mask_ = slots - 1;
  t->slots_ = alloc_array<uint64_t>(slots);
  t->hot_ = alloc_array<FlowEntry>(cfg.capacity);
  t->tcp_ = alloc_array<TcpConn>(cfg.capacity);
  t->zones_.reset(new (std::nothrow) Zone[cfg.zones]);
  if (!t->slots_ || !t->hot_ || !t->tcp_ || !t->zones_) return nullptr;
  std::memset(t->slots_, 0, slots * sizeof(uint64_t));
  std::memset(static_cast<void*>(t->tcp_), 0, cfg.capacity * sizeof(TcpConn));
  for (uint32_t i = 0; i < cfg.capacity; ++i) {
    std::memset(static_cast<void*>(&t->hot_[i]), 0, sizeof(FlowEntry));
    t->hot_[i].next = i + 1 < cfg.capacity ? i + 1 : kNoEntry;
  }
  t->free_head_ = 0;
  // Internal unit: the largest power-of-two number of ticks not above 1 ms.
  uint64_t per_ms = cfg.ticks_per_second / 1000;
  while (per_ms >> (t->time_shift_ + 1)) ++t->time_shift_;
  t->ticks_per_second_ = cfg.ticks_per_second;
  for (uint32_t& h : t->wheel_head_) h = kNoEntry;
  t->zone_limit_ = cfg.zones;
  for (uint32_t z = 0; z < cfg.zones; ++z) t->compute_timeouts(t->zones_[z]);
  return t;
}

FlowTable::~FlowTable() {
  std::free(slots_);
  std::free(hot_);
  std::free(tcp_);
}

void FlowTable::compute_timeouts(Zone& z) {
  for (std::size_t c = 0; c < kTimeoutClassCount; ++c)
    z.timeout[c] = static_cast<uint32_t>(
        (uint64_t{z.config.timeouts.seconds(static_cast<TimeoutClass>(c))} * ticks_per_second_) >> time_shift_);
}

bool FlowTable::set_zone(uint16_t zone, const ZoneConfig& config) {
  if (zone >= zone_limit_ || !config.timeouts.valid()) return false;
  zones_[zone].config = config;
  compute_timeouts(zones_[zone]);
  return true;
}

uint64_t FlowTable::find_slot(const FlowKey& key, uint64_t hash, uint64_t pos) const {
  const uint64_t tag = hash & kTagMask;
  for (;;) {
    uint64_t s = slots_[pos];
    if (s == 0) return ~uint64_t{0};
    if ((s >> kIdBits) == tag && hot_[(s & kIdMask) - 1].key == key) return pos;
    pos = (pos + 1) & slot_mask_;
  }
}

void FlowTable::lookup_bulk(const FlowKey* keys, const uint64_t* hashes, uint32_t n, uint64_t now,
                            EntryId* ids) {
  // Three passes so that the cache misses of one key overlap with the
  // others': the home slots, then the entries whose tag matches there, then
  // the probe and compare.
  for (uint32_t i = 0; i < n; ++i) __builtin_prefetch(&slots_[home(hashes[i])]);
  for (uint32_t i = 0; i < n; ++i) {
    // Only a tag match is worth an entry fetch (a miss usually has none).
    uint64_t s = slots_[home(hashes[i])];
    if (s != 0 && (s >> kIdBits) == (hashes[i] & kTagMask)) __builtin_prefetch(&hot_[(s & kIdMask) - 1]);
  }
  const uint64_t t = internal(now);
  for (uint32_t i = 0; i < n; ++i) {
    uint64_t pos = find_slot(keys[i], hashes[i], home(hashes[i]));
    if (pos == ~uint64_t{0}) {
      ids[i] = kNoEntry;
      continue;
    }
    EntryId id = static_cast<EntryId>((slots_[pos] & kIdMask) - 1);
    if (expired(hot_[id], t)) {
      free_entry(pos, id);
      ++stats_.expired;
      id = kNoEntry;
    } else if (keys[i].proto == 6) {
      __builtin_prefetch(&tcp_[id], 1);  // track() reads and writes it after the burst's lookups
    }
    ids[i] = id;
  }
}

EntryId FlowTable::lookup(const FlowKey& key, uint64_t hash, uint64_t now) {
  EntryId id;
  lookup_bulk(&key, &hash, 1, now, &id);
  return id;
}

InsertResult FlowTable::insert(const FlowKey& key, uint64_t hash, const NewEntry& ne, uint64_t now) {
  if (key.zone >= zone_limit_) return {kNoEntry, InsertStatus::kZoneFull};
  const uint64_t t = internal(now);
  uint64_t pos = find_slot(key, hash, home(hash));
  if (pos != ~uint64_t{0}) {
    EntryId id = static_cast<EntryId>((slots_[pos] & kIdMask) - 1);
    if (!expired(hot_[id], t)) return {id, InsertStatus::kExists};
    free_entry(pos, id);
    ++stats_.expired;
  }
  Zone& z = zones_[key.zone];
  if (size_ >= capacity_) {
    ++stats_.table_full;
    ++z.exceeded;
    return {kNoEntry, InsertStatus::kTableFull};
  }
  if (shared_) {
    std::atomic<uint32_t>& n = shared_[key.zone].connections;
    uint32_t c = n.load(std::memory_order_relaxed);
    do {
      if (c >= z.config.allowance) {
        ++z.exceeded;
        return {kNoEntry, InsertStatus::kZoneFull};
      }
    } while (!n.compare_exchange_weak(c, c + 1, std::memory_order_relaxed));
  } else if (z.count >= z.config.allowance) {
    ++z.exceeded;
    return {kNoEntry, InsertStatus::kZoneFull};
  }
  pos = home(hash);
  while (slots_[pos] != 0) pos = (pos + 1) & slot_mask_;
  EntryId id = free_head_;
  FlowEntry& e = hot_[id];
  free_head_ = e.next;
  if (free_head_ != kNoEntry) __builtin_prefetch(&hot_[free_head_], 1);  // the next insert's entry
  e.key = key;
  e.generation = ne.generation;
  e.tclass = ne.tclass;
  e.flags = static_cast<uint8_t>((ne.originator == Side::kB ? entry_flag::kOrigIsB : 0) |
                                 (ne.tracked ? entry_flag::kTracked : 0));
  e.reserved = 0;
  uint64_t deadline = t + z.timeout[static_cast<std::size_t>(ne.tclass)];
  e.deadline = static_cast<uint32_t>(deadline);
  slots_[pos] = ((hash & kTagMask) << kIdBits) | (uint64_t{id} + 1);
  if (!wheel_started_) {
    wheel_cursor_ = t >> kWheelShift;
    wheel_started_ = true;
  }
  schedule(id, deadline);
  ++size_;
  ++z.count;
  ++stats_.inserted;
  return {id, InsertStatus::kInserted};
}

void FlowTable::remove_slot(uint64_t pos) {
  // Backward-shift deletion: pull later members of the cluster into the hole
  // unless their home lies cyclically in (hole, their position].
  uint64_t hole = pos, j = pos;
  for (;;) {
    j = (j + 1) & slot_mask_;
    uint64_t s = slots_[j];
    if (s == 0) break;
    uint64_t h = home(s >> kIdBits);
    bool stays = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j);
    if (!stays) {
      slots_[hole] = s;
      hole = j;
    }
  }
  slots_[hole] = 0;
}

void FlowTable::free_entry(uint64_t pos, EntryId id) {
  remove_slot(pos);
  wheel_unlink(id);
  FlowEntry& e = hot_[id];
  --zones_[e.key.zone].count;
  if (shared_) shared_[e.key.zone].connections.fetch_sub(1, std::memory_order_relaxed);
  --size_;
  e.next = free_head_;
  free_head_ = id;
}

void FlowTable::erase(EntryId id) {
  const FlowEntry& e = hot_[id];
  uint64_t h = flow_hash(e.key);
  uint64_t pos = find_slot(e.key, h, home(h));
  // Not live (already freed, perhaps its key reused by another entry): no-op.
  if (pos == ~uint64_t{0} || (slots_[pos] & kIdMask) - 1 != id) return;
  free_entry(pos, id);
  ++stats_.erased;
}

void FlowTable::wheel_link(EntryId id, uint64_t tick) {
  FlowEntry& e = hot_[id];
  uint32_t slot = static_cast<uint32_t>(tick & (kWheelSlots - 1));
  e.wheel_slot = static_cast<uint16_t>(slot);
  e.prev = kNoEntry;
  e.next = wheel_head_[slot];
  if (e.next != kNoEntry) hot_[e.next].prev = id;
  wheel_head_[slot] = id;
}

void FlowTable::wheel_unlink(EntryId id) {
  FlowEntry& e = hot_[id];
  if (e.prev != kNoEntry) hot_[e.prev].next = e.next;
  else wheel_head_[e.wheel_slot] = e.next;
  if (e.next != kNoEntry) hot_[e.next].prev = e.prev;
}

void FlowTable::schedule(EntryId id, uint64_t deadline64) {
  uint64_t tick = deadline64 >> kWheelShift;
  if (tick < wheel_cursor_) tick = wheel_cursor_;
  if (tick >= wheel_cursor_ + kWheelSlots) tick = wheel_cursor_ + kWheelSlots - 1;
  wheel_link(id, tick);
}

void FlowTable::touch(EntryId id, TimeoutClass c, uint64_t now) {
  FlowEntry& e = hot_[id];
  const uint64_t t = internal(now);
  const uint64_t deadline = t + zones_[e.key.zone].timeout[static_cast<std::size_t>(c)];
  e.deadline = static_cast<uint32_t>(deadline);
  if (c != e.tclass) {
    // The new class may be shorter: requeue so the wheel sees the new deadline.
    e.tclass = c;
    wheel_unlink(id);
    schedule(id, deadline);
  }
}

uint32_t FlowTable::age(uint64_t now, uint32_t budget) {
  if (!wheel_started_) return 0;
  const uint64_t t = internal(now);
  const uint64_t now_tick = t >> kWheelShift;
  // After a long pause, one revolution still visits every queued entry.
  if (now_tick > wheel_cursor_ + kWheelSlots) wheel_cursor_ = now_tick - kWheelSlots;
  uint32_t freed = 0;
  while (budget > 0 && wheel_cursor_ < now_tick) {
    --budget;
    uint32_t slot = static_cast<uint32_t>(wheel_cursor_ & (kWheelSlots - 1));
    EntryId id = wheel_head_[slot];
    if (id == kNoEntry) {
      ++wheel_cursor_;
      continue;
    }
    FlowEntry& e = hot_[id];
    if (expired(e, t)) {
      uint64_t h = flow_hash(e.key);
      free_entry(find_slot(e.key, h, home(h)), id);
      ++stats_.expired;
      ++freed;
    } else {
      // Still alive (a packet moved its deadline): requeue at the deadline.
      wheel_unlink(id);
      uint64_t deadline = t + static_cast<uint32_t>(e.deadline - static_cast<uint32_t>(t));
      schedule(id, deadline);
    }
  }
  return freed;
}

uint32_t FlowTable::allowance_available(uint16_t zone) const {
  const Zone& z = zones_[zone];
  const uint32_t count = shared_ ? shared_[zone].connections.load(std::memory_order_relaxed) : z.count;
  uint32_t zone_left = z.config.allowance > count ? z.config.allowance - count : 0;
  uint32_t table_left = capacity_ - size_;
  return zone_left < table_left ? zone_left : table_left;
}

double FlowTable::bytes_per_connection() const {
  double bytes = static_cast<double>(capacity_) * (sizeof(FlowEntry) + sizeof(TcpConn)) +
                 static_cast<double>(slot_mask_ + 1) * sizeof(uint64_t) + sizeof(wheel_head_) +
                 static_cast<double>(zone_limit_) * sizeof(Zone);
  return bytes / capacity_;
}

double FlowTable::seconds_left(EntryId id, uint64_t now) const {
  int32_t left = static_cast<int32_t>(hot_[id].deadline - static_cast<uint32_t>(internal(now)));
  return static_cast<double>(left) * static_cast<double>(1ull << time_shift_) / static_cast<double>(ticks_per_second_);
}

}  // namespace vfpath::ct
