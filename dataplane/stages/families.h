// Which IP families a burst's packets are of, found once per burst, so that
// a stage's per-packet work is compiled for one family (the common case: a
// VM's burst is all IPv4 or all IPv6) and tests the family per packet only
// for a mixed burst.
#pragma once

#include <cstdint>

#include "dataplane/burst.h"
#include "packet/packet_meta.h"

namespace vfpath {

enum class Families : uint8_t { kNone = 0, kIpv4 = 1, kIpv6 = 2, kMixed = 3 };

// The families among the packets of `b` still to be forwarded.
inline Families forwarded_families(const Burst& b) {
  uint8_t seen = 0;
  for (uint16_t i = 0; i < b.count; ++i)
    if (b.verdict[i].action == Action::kForward) seen |= b.meta[i].kind == PacketKind::kIpv6 ? 2 : 1;
  return static_cast<Families>(seen);
}

// Is `m` IPv6, in a burst of families F: a constant unless F is mixed.
template <Families F>
inline bool is_ipv6(const PacketMeta& m) {
  if constexpr (F == Families::kIpv4) return false;
  else if constexpr (F == Families::kIpv6) return true;
  else return m.kind == PacketKind::kIpv6;
}

// Calls f.template operator()<F>() with F the burst's families as a constant.
template <class Fn>
inline void with_families(Families f, Fn&& fn) {
  switch (f) {
    case Families::kNone: return;
    case Families::kIpv4: return fn.template operator()<Families::kIpv4>();
    case Families::kIpv6: return fn.template operator()<Families::kIpv6>();
    case Families::kMixed: return fn.template operator()<Families::kMixed>();
  }
}

}  // namespace vfpath
