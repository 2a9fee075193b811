// The address sets security-group rules refer to — a prefix list's CIDRs, a
// group's member addresses (/32, /128) — kept apart from the compiled rules so
// that a change of membership or of a prefix list is a few in-place updates,
// not a recompile (DESIGN §6, issue 6). A rule "from group G" is compiled
// once as "from set key(G)"; classifying a new connection looks its peer
// address up in that set.
//
// A PrefixTable (packet/prefix_table.h) whose spaces are set keys, with no
// payload: workers call contains() lock-free while the control thread puts
// and removes entries in place. Set keys are stable across pushes and a key
// freed by a push is reused only from the next one (control/address_set_state.h),
// so a worker on an older snapshot never reads another set under its key.
#pragma once

#include <cstdint>

#include "packet/prefix_table.h"

namespace vfpath {

class AddressSets {
 public:
  static constexpr uint16_t kMaxSets = 4096;

  explicit AddressSets(uint32_t max_entries) : table_(max_entries, kMaxSets) {}

  // --- writer ---
  PrefixUpdate put(uint16_t set, const PrefixAddr& a, uint8_t prefix_len) {
    return table_.put(set, a, prefix_len, PrefixPayload{});
  }
  PrefixUpdate remove(uint16_t set, const PrefixAddr& a, uint8_t prefix_len) {
    return table_.remove(set, a, prefix_len);
  }
  uint32_t size() const { return table_.size(); }
  uint32_t capacity() const { return table_.max_entries(); }

  // --- readers ---
  // Does an entry of `set` contain the address at `addr` (4 or 16 bytes, as
  // on the wire)?
  bool contains(uint16_t set, const uint8_t* addr, bool ipv6) const {
    PrefixAddr a;
    a.ipv6 = ipv6;
    for (int i = 0; i < (ipv6 ? 16 : 4); ++i) a.addr.bytes[i] = addr[i];
    PrefixPayload unused;
    return table_.find(set, a, unused);
  }

 private:
  PrefixTable table_;
};

}  // namespace vfpath
