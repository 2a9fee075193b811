// A table of prefixes in numbered spaces, read lock-free while one writer
// changes it in place: (space, address, prefix length) -> a 24-byte payload,
// looked up by longest prefix match within the space. Two tables are built
// on it: the overlay's mapping table (encap/mapping_table.h: space = VPC key,
// payload = the owning host) and the security groups' address sets
// (acl/address_sets.h: space = set key, no payload).
//
// Concurrency: any number of reader threads (workers) call find() while one
// writer thread (the control thread) applies deltas with put()/remove(); the
// caller serialises writers. Readers take no lock, never block the writer and
// finish in a bounded number of steps; the writer never waits for readers (no
// grace period: entries live in place, nothing is freed while the table
// exists).
//
// How: open addressing with linear probing over a fixed array of 64-byte
// slots, one cache line each, published per slot with a sequence counter
// (seqlock): the writer makes the counter odd, stores the fields, makes it
// even; a reader that saw it odd or changed reads that slot again. Keys never
// move; a removed key leaves a tombstone (reused by inserts, and cleared back
// to empty when it ends a probe chain). A reader racing with the update of a
// key sees the old or the new value, never a mix; a lookup racing with the
// removal and re-insertion of one key may miss it once, and so may one whose
// slot the writer is stalled in (preempted mid-update for microseconds):
// readers pass over such a slot rather than wait. Prefix-length
// sets per space (one bit per length, atomic words) let a lookup probe only
// the lengths that exist in that space, longest first.
//
// Capacity is fixed at construction (entries <= slots / 2); put() refuses more.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "packet/addr.h"

namespace vfpath {

// An address of either family: IPv4 in the first 4 bytes (network order).
struct PrefixAddr {
  IpAddr addr{};
  bool ipv6 = false;
};

// What an entry carries, opaque to the table.
struct PrefixPayload {
  uint64_t w[3] = {};
};

enum class PrefixUpdate : uint8_t { kAdded, kReplaced, kRemoved, kNotFound, kFull, kInvalid };

class PrefixTable {
 public:
  // Room for `max_entries` entries, in spaces < `max_spaces`.
  PrefixTable(uint32_t max_entries, uint16_t max_spaces);
  ~PrefixTable();
  PrefixTable(const PrefixTable&) = delete;
  PrefixTable& operator=(const PrefixTable&) = delete;

  // --- writer (one thread at a time) ---
  // Adds or replaces the entry for `prefix_len` bits of `a` (host bits are
  // ignored). kInvalid: space out of range or prefix longer than the family.
  PrefixUpdate put(uint16_t space, const PrefixAddr& a, uint8_t prefix_len, const PrefixPayload& p);
  PrefixUpdate remove(uint16_t space, const PrefixAddr& a, uint8_t prefix_len);
  uint32_t size() const { return size_; }
  uint32_t max_entries() const { return max_entries_; }

  // --- readers (any thread, lock-free) ---
  // The payload of the longest entry of `space` containing `a`. False when
  // none exists (or space is out of range).
  bool find(uint16_t space, const PrefixAddr& a, PrefixPayload& out) const;
  // Starts loading the slot where the full-length entry of `a` would be, so
  // that a burst can issue every miss before the first find() waits on one.
  // No effect on results.
  void prefetch(uint16_t space, const PrefixAddr& a) const;
  // The entry of exactly this length only.
  bool find_exact(uint16_t space, const PrefixAddr& a, uint8_t prefix_len, PrefixPayload& out) const;

 private:
  struct Slot;
  struct Key {
    uint32_t tag;  // space:16 prefix_len:8 ipv6:1, state bits clear
    uint64_t a0, a1;
  };
  static Key make_key(uint16_t space, const PrefixAddr& a, uint8_t prefix_len);
  uint32_t home(const Key& k) const;
  bool probe(const Key& k, PrefixPayload& out) const;
  void write_slot(Slot& s, uint32_t tag, const Key& k, const PrefixPayload& p);
  std::atomic<uint64_t>* lengths(uint16_t space, bool ipv6) const;
  uint32_t& length_count(uint16_t space, bool ipv6, uint8_t prefix_len);

  uint32_t mask_;
  uint32_t max_entries_;
  uint16_t max_spaces_;
  uint32_t size_ = 0;  // entries (writer)
  Slot* slots_;
  // Per space: 4 words of prefix-length bits: [0] IPv4 lengths 0..32,
  // [1..3] IPv6 lengths 0..128 (bit n of the 192-bit set).
  std::unique_ptr<std::atomic<uint64_t>[]> length_bits_;
  std::vector<uint32_t> length_counts_;  // writer's count of entries per (space, family, length)
};

}  // namespace vfpath
