// An immutable open-addressing hash map for snapshot lookups: built once on
// the control thread, then only read, by any number of threads, without locks.
// Linear probing at load factor <= 1/2 keeps a hit to one or two cache lines.
//
// Why not rte_hash: it needs EAL memory and supports concurrent writers we do
// not need (snapshots are rebuilt, never mutated); this keeps the routing
// logic unit-testable without EAL. Measured in bench/dataplane (route lookup).
//
// Key: trivially copyable, size a multiple of 8, no padding bytes (it is
// hashed and compared as 64-bit words).
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

namespace vfpath {

template <typename Key, typename Value>
class FlatMap {
  static_assert(std::is_trivially_copyable_v<Key> && sizeof(Key) % 8 == 0);

 public:
  FlatMap() = default;

  // Returns std::nullopt if a key appears twice.
  static std::optional<FlatMap> build(const std::vector<std::pair<Key, Value>>& items) {
    FlatMap m;
    std::size_t cap = std::bit_ceil(std::max<std::size_t>(8, items.size() * 2));
    m.slots_.resize(cap);
    m.mask_ = cap - 1;
    for (const auto& [k, v] : items) {
      std::size_t i = hash(k) & m.mask_;
      while (m.slots_[i].used) {
        if (equal(m.slots_[i].key, k)) return std::nullopt;
        i = (i + 1) & m.mask_;
      }
      m.slots_[i] = Slot{k, v, true};
    }
    m.size_ = items.size();
    return m;
  }

  const Value* find(const Key& k) const {
    if (slots_.empty()) return nullptr;
    std::size_t i = hash(k) & mask_;
    while (slots_[i].used) {
      if (equal(slots_[i].key, k)) return &slots_[i].value;
      i = (i + 1) & mask_;
    }
    return nullptr;
  }

  std::size_t size() const { return size_; }

 private:
  struct Slot {
    Key key;
    Value value;
    bool used = false;
  };
  // Word by word straight from the key (no copy of the key on the stack,
  // which the compiler otherwise makes and then reads back: a stall).
  static uint64_t word(const Key& k, std::size_t i) {
    uint64_t w;
    std::memcpy(&w, reinterpret_cast<const char*>(&k) + 8 * i, 8);
    return w;
  }
  static uint64_t hash(const Key& k) {
    uint64_t h = 0x9e3779b97f4a7c15ull ^ (sizeof(Key) / 8);
    for (std::size_t i = 0; i < sizeof(Key) / 8; ++i) {
      h ^= word(k, i) + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
      h *= 0xff51afd7ed558ccdull;
      h ^= h >> 33;
    }
    return h;
  }
  static bool equal(const Key& a, const Key& b) {
    uint64_t diff = 0;
    for (std::size_t i = 0; i < sizeof(Key) / 8; ++i) diff |= word(a, i) ^ word(b, i);
    return diff == 0;
  }

  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace vfpath
