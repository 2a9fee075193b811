// The overlay mapping table: (VPC index, overlay address) -> (underlay address
// of the host that owns it, the peer ENI's MAC), and per-VPC routes for
// prefixes, looked up by longest prefix match. A host mapping is the route of
// full length (/32, /128), so one table and one lookup serve both.
//
// A PrefixTable (packet/prefix_table.h) whose spaces are VPC keys and
// whose payload is the Mapping: its concurrency contract is this table's —
// workers find() lock-free while the control thread applies deltas in place.
//
// Capacity is fixed at construction (entries <= slots / 2); put() refuses more.
#pragma once

#include <cstdint>
#include <cstring>

#include "packet/addr.h"
#include "packet/prefix_table.h"
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

using UpdateStatus = PrefixUpdate;

class MappingTable {
 public:
  // Room for `max_entries` mappings + routes, for VPC indexes < `max_vpcs`.
  MappingTable(uint32_t max_entries, uint16_t max_vpcs) : table_(max_entries, max_vpcs) {}

  // --- writer (one thread at a time) ---
  // Adds or replaces the entry for `prefix_len` bits of `a` (host bits are
  // ignored). kInvalid: VPC out of range or prefix longer than the family.
  UpdateStatus put(uint16_t vpc, const OverlayAddr& a, uint8_t prefix_len, const Mapping& m) {
    return table_.put(vpc, key(a), prefix_len, pack(m));
  }
  UpdateStatus put_host(uint16_t vpc, const OverlayAddr& a, const Mapping& m) {
    return put(vpc, a, a.ipv6 ? 128 : 32, m);
  }
  UpdateStatus remove(uint16_t vpc, const OverlayAddr& a, uint8_t prefix_len) {
    return table_.remove(vpc, key(a), prefix_len);
  }
  UpdateStatus remove_host(uint16_t vpc, const OverlayAddr& a) { return remove(vpc, a, a.ipv6 ? 128 : 32); }
  uint32_t size() const { return table_.size(); }

  // --- readers (any thread, lock-free) ---
  // The mapping of `a` in `vpc`: the host entry if any, else the longest
  // route containing it. False when neither exists (or vpc is out of range).
  bool find(uint16_t vpc, const OverlayAddr& a, Mapping& out) const {
    PrefixPayload p;
    if (!table_.find(vpc, key(a), p)) return false;
    out = unpack(p);
    return true;
  }
  // Starts loading the slot where the host entry of `a` would be, so that a
  // burst can issue every miss before the first find() waits on one (the
  // batching rte_hash_lookup_bulk does). No effect on results.
  void prefetch(uint16_t vpc, const OverlayAddr& a) const { table_.prefetch(vpc, key(a)); }
  // Exact entry only (host mappings, or one route by its length).
  bool find_exact(uint16_t vpc, const OverlayAddr& a, uint8_t prefix_len, Mapping& out) const {
    PrefixPayload p;
    if (!table_.find_exact(vpc, key(a), prefix_len, p)) return false;
    out = unpack(p);
    return true;
  }

 private:
  static PrefixAddr key(const OverlayAddr& a) { return PrefixAddr{a.addr, a.ipv6}; }
  // Payload words: the underlay address, then the MAC (bytes 0-5) and the
  // underlay family (bit 63).
  static PrefixPayload pack(const Mapping& m) {
    PrefixPayload p;
    p.w[0] = m.underlay.addr.qwords[0];
    p.w[1] = m.underlay.addr.qwords[1];
    std::memcpy(&p.w[2], m.mac.bytes.data(), 6);
    p.w[2] |= m.underlay.ipv6 ? 1ull << 63 : 0;
    return p;
  }
  static Mapping unpack(const PrefixPayload& p) {
    Mapping m;
    m.underlay.addr.qwords[0] = p.w[0];
    m.underlay.addr.qwords[1] = p.w[1];
    m.underlay.ipv6 = (p.w[2] >> 63) != 0;
    std::memcpy(m.mac.bytes.data(), &p.w[2], 6);
    return m;
  }

  PrefixTable table_;
};

}  // namespace vfpath::encap
