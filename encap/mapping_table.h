// The overlay mapping table: (VPC index, overlay address) -> (underlay address
// of the host that owns it, the peer ENI's MAC), and per-VPC routes for
// prefixes, looked up by longest prefix match. A host mapping is the route of
// full length (/32, /128), so one table and one lookup serve both.
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
// sets per VPC (one bit per length, atomic words) let a lookup probe only the
// lengths that exist in that VPC, longest first.
//
// Capacity is fixed at construction (entries <= slots / 2); put() refuses more.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/addr.h"
#include "encap/encap_template.h"

namespace vfpath::encap {

// Where an overlay address lives: the owning host and the MAC of the ENI (or,
// for a route, of the gateway behind that host).
struct Mapping {
  UnderlayIp underlay;
  MacAddr mac;
  bool operator==(const Mapping&) const = default;
};

// An overlay address of one family in a VPC: the same value type as an
// underlay address (IPv4 in the first 4 bytes, and the family), another role.
using OverlayAddr = UnderlayIp;

enum class UpdateStatus : uint8_t { kAdded, kReplaced, kRemoved, kNotFound, kFull, kInvalid };

class MappingTable {
 public:
  // Room for `max_entries` mappings + routes, for VPC indexes < `max_vpcs`.
  MappingTable(uint32_t max_entries, uint16_t max_vpcs);
  ~MappingTable();
  MappingTable(const MappingTable&) = delete;
  MappingTable& operator=(const MappingTable&) = delete;

  // --- writer (one thread at a time) ---
  // Adds or replaces the entry for `prefix_len` bits of `a` (host bits are
  // ignored). kInvalid: VPC out of range or prefix longer than the family.
  UpdateStatus put(uint16_t vpc, const OverlayAddr& a, uint8_t prefix_len, const Mapping& m);
  UpdateStatus put_host(uint16_t vpc, const OverlayAddr& a, const Mapping& m) {
    return put(vpc, a, a.ipv6 ? 128 : 32, m);
  }
  UpdateStatus remove(uint16_t vpc, const OverlayAddr& a, uint8_t prefix_len);
  UpdateStatus remove_host(uint16_t vpc, const OverlayAddr& a) { return remove(vpc, a, a.ipv6 ? 128 : 32); }
  uint32_t size() const { return size_; }

  // --- readers (any thread, lock-free) ---
  // The mapping of `a` in `vpc`: the host entry if any, else the longest
  // route containing it. False when neither exists (or vpc is out of range).
  bool find(uint16_t vpc, const OverlayAddr& a, Mapping& out) const;
  // Starts loading the slot where the host entry of `a` would be, so that a
  // burst can issue every miss before the first find() waits on one (the
  // batching rte_hash_lookup_bulk does). No effect on results.
  void prefetch(uint16_t vpc, const OverlayAddr& a) const;
  // Exact entry only (host mappings, or one route by its length).
  bool find_exact(uint16_t vpc, const OverlayAddr& a, uint8_t prefix_len, Mapping& out) const;

 private:
  struct Slot;
  struct Key {
    uint32_t tag;  // vpc:16 prefix_len:8 ipv6:1, state bits clear
    uint64_t a0, a1;
  };
  static Key make_key(uint16_t vpc, const OverlayAddr& a, uint8_t prefix_len);
  uint32_t home(const Key& k) const;
  bool probe(const Key& k, Mapping& out) const;
  void write_slot(Slot& s, uint32_t tag, const Key& k, const Mapping& m);
  std::atomic<uint64_t>* lengths(uint16_t vpc, bool ipv6) const;
  uint32_t& length_count(uint16_t vpc, bool ipv6, uint8_t prefix_len);

  uint32_t mask_;
  uint32_t max_entries_;
  uint16_t max_vpcs_;
  uint32_t size_ = 0;  // entries (writer)
  Slot* slots_;
  // Per VPC: 4 words of prefix-length bits: [0] IPv4 lengths 0..32,
  // [1..3] IPv6 lengths 0..128 (bit n of the 192-bit set).
  std::unique_ptr<std::atomic<uint64_t>[]> length_bits_;
  std::vector<uint32_t> length_counts_;  // writer's count of entries per (vpc, family, length)
};

}  // namespace vfpath::encap
