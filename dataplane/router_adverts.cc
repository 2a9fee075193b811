#include "dataplane/router_adverts.h"

#include <cstring>

#include "dataplane/eni_l2.h"
#include "packet/net_headers.h"
#include "packet/packet_meta.h"
#include "packet/replies.h"

namespace vfpath {

bool write_unsolicited_advert(Frame& f, const Snapshot& s, uint16_t eni) {
  if (eni >= s.enis.size()) return false;
  const EniEntry& e = s.enis[eni];
  if (e.subnet >= s.subnets.size() || !s.subnets[e.subnet].has_ipv6) return false;
  const uint16_t l2 = eni_l2_length(e);
  if (f.len + f.tailroom < l2 + sizeof(wire::Ipv6Header)) return false;
  f.set_length(static_cast<uint16_t>(l2 + sizeof(wire::Ipv6Header)));
  // An IPv6 header from the unspecified address: the builder then addresses
  // the advertisement to all-nodes, as to a solicitor without an address.
  std::memset(f.data + l2, 0, sizeof(wire::Ipv6Header));
  PacketMeta m{};
  m.kind = PacketKind::kIpv6;
  m.l3_offset = l2;
  m.l4_offset = static_cast<uint16_t>(l2 + sizeof(wire::Ipv6Header));
  const uint16_t mtu = eni < s.eni_dhcp.size() ? s.eni_dhcp[eni].mtu : 0;
  if (!build_router_advert(f, m, s.router_mac, s.router_link_local, s.subnets[e.subnet].cidr6, mtu)) return false;
  write_eni_l2(f.data, e, s.router_mac, wire::kEtherTypeIpv6);
  return true;
}

uint64_t next_advert_round(uint64_t now, uint64_t ticks_per_second, uint32_t max_interval_s, uint32_t random) {
  const uint64_t max = uint64_t{max_interval_s} * ticks_per_second;
  const uint64_t min = max / 3;
  return now + min + (max > min ? (uint64_t{random} * (max - min)) >> 32 : 0);
}

}  // namespace vfpath
