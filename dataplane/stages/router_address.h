// The router's own address facing an ENI, the source of the ICMP errors it
// sends (time exceeded, fragmentation needed, packet too big).
#pragma once

#include "packet/packet_meta.h"
#include "dataplane/snapshot.h"

namespace vfpath {

// The subnet gateway, or for an IPv6 subnet without one, the router's
// link-local address. 4 or 16 bytes, network order.
inline const uint8_t* router_address(const Snapshot& s, const SubnetEntry& sn, PacketKind kind) {
  if (kind == PacketKind::kIpv4) return reinterpret_cast<const uint8_t*>(&sn.gateway4);
  return sn.has_ipv6 ? sn.gateway6.bytes.data() : s.router_link_local.bytes.data();
}

}  // namespace vfpath
