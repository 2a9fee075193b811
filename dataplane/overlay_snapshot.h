// The overlay part of a snapshot (DESIGN §7, encap/README.md): what the
// overlay stages read to send a packet to another host and to accept one from
// it. Built by control/compile.cc with the rest of the snapshot and immutable
// like it, except the mapping table it points to: that table lives as long as
// the daemon (owned by the config store), is changed in place by every push
// that touches mappings, and is read lock-free (encap/mapping_table.h).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "packet/flat_map.h"
#include "dataplane/snapshot.h"
#include "encap/decap.h"
#include "encap/encap_template.h"
#include "encap/mapping_table.h"
#include "encap/vni_map.h"

namespace vfpath {

// Verdict::out_eni of a packet that leaves encapsulated, on the uplink port.
inline constexpr uint16_t kUplinkEni = 0xfffd;
// Verdict::peer_subnet of a remote address inside no subnet (e.g. a route).
inline constexpr uint16_t kNoSubnet = 0xffff;

// One VPC on the overlay. The templates are per underlay family of the peer
// (a VPC's peers may be reached over IPv4 or IPv6); one is absent when we
// have no underlay address of that family.
struct VpcOverlay {
  uint32_t vni = 0;          // 0: not on the overlay (non-local stays no_route)
  uint16_t table_key = 0;    // the VPC's key in the mapping table (stable across pushes)
  std::optional<encap::EncapTemplate> to_v4, to_v6;
  uint16_t inner_mtu_v4 = 0, inner_mtu_v6 = 0;  // largest inner IP packet per template
  // Subnet prefix lengths of the VPC, longest first, for subnet_of().
  std::vector<uint8_t> subnet_lengths4, subnet_lengths6;

  const encap::EncapTemplate* to(bool ipv6_peer) const {
    const auto& t = ipv6_peer ? to_v6 : to_v4;
    return t ? &*t : nullptr;
  }
  uint16_t inner_mtu(bool ipv6_peer) const { return ipv6_peer ? inner_mtu_v6 : inner_mtu_v4; }
};

struct OverlaySnapshot {
  uint16_t uplink_port = 0;   // DPDK port id of the underlay
  MacAddr underlay_mac;       // ours on the underlay (outer source; ARP/ND answers)
  encap::DecapConfig decap;   // our underlay addresses and tunnel ports
  encap::VniMap vnis{4096};   // VNI -> the VPC's table_key
  std::vector<uint16_t> vpc_of_key;  // table_key -> VPC index (0xffff: none)
  std::vector<VpcOverlay> vpcs;      // by VPC index
  const encap::MappingTable* mappings = nullptr;  // long-lived, not owned
  // (VPC | prefix length << 24, family, address masked to the length) ->
  // subnet index: which subnet a remote address is in (NACLs skip traffic
  // within one subnet, wherever its two ends are).
  FlatMap<RouteKey, uint16_t> subnet_by_prefix;

  // The subnet of `addr` (4 or 16 bytes) in VPC `vpc`, kNoSubnet if none.
  uint16_t subnet_of(uint16_t vpc, bool ipv6, const uint8_t* addr) const;
};

// The key subnet_by_prefix is built with: the address keeps `len` bits.
RouteKey subnet_prefix_key(uint16_t vpc, bool ipv6, const uint8_t* addr, uint8_t len);

inline uint16_t OverlaySnapshot::subnet_of(uint16_t vpc, bool ipv6, const uint8_t* addr) const {
  const VpcOverlay& o = vpcs[vpc];
  for (uint8_t len : ipv6 ? o.subnet_lengths6 : o.subnet_lengths4)
    if (const uint16_t* sn = subnet_by_prefix.find(subnet_prefix_key(vpc, ipv6, addr, len))) return *sn;
  return kNoSubnet;
}

inline RouteKey subnet_prefix_key(uint16_t vpc, bool ipv6, const uint8_t* addr, uint8_t len) {
  uint8_t masked[16] = {};
  const unsigned bytes = ipv6 ? 16 : 4;
  for (unsigned i = 0; i < bytes && i * 8 < len; ++i) {
    const unsigned keep = len - i * 8 >= 8 ? 8 : len - i * 8;
    masked[i] = static_cast<uint8_t>(addr[i] & (0xff00 >> keep));
  }
  RouteKey k = make_route_key(vpc, ipv6 ? 6 : 4, masked);
  k.w[0] |= uint64_t{len} << 24;
  return k;
}

}  // namespace vfpath
