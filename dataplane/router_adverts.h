// Unsolicited router advertisements (RFC 4861 §6.2.4): a router
// advertises itself on every link now and then, not only when asked; a VM
// that solicited once at boot otherwise loses its IPv6 default route when
// the advertised router lifetime (1800 s) runs out. Worker 0 sends each ENI
// whose subnet has IPv6 the advertisement a solicitation would get, every
// [max/3, max] seconds (RFC 4861's MinRtrAdvInterval..MaxRtrAdvInterval,
// default max 600 s), a few ENIs per loop so a round never stalls it. The
// frame goes to the ENI's own MAC (IPv6 destination all-nodes, ff02::1):
// on a port shared by several ENIs each VM gets its own, as with every
// other frame from the router.
#pragma once

#include <cstdint>

#include "dataplane/snapshot.h"
#include "packet/frame.h"

namespace vfpath {

struct RouterAdvertPolicy {
  uint32_t max_interval_s = 600;  // 0: no unsolicited advertisements
};

// Writes ENI `eni`'s advertisement into the empty frame `f` (Ethernet,
// 802.1Q for an ENI with a VLAN, IPv6, ICMPv6). False (nothing to send)
// when the ENI's subnet has no IPv6 or `f` has no room.
bool write_unsolicited_advert(Frame& f, const Snapshot& s, uint16_t eni);

// When the next round starts: a round every [max/3, max] seconds, spread
// by `random` (any 32-bit value) so appliances started together do not
// advertise in step (RFC 4861 §6.2.4).
uint64_t next_advert_round(uint64_t now, uint64_t ticks_per_second, uint32_t max_interval_s, uint32_t random);

}  // namespace vfpath
