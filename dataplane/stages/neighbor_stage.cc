#include <cstring>

#include "packet/checksum.h"
#include "packet/net_headers.h"
#include "packet/replies.h"
#include "dataplane/stages/eni_addresses.h"
#include "dataplane/stages/neighbor_discovery.h"
#include "dataplane/stages/stages.h"

namespace vfpath {
namespace {

using namespace wire;

DropReason answer_arp(Frame& f, const PacketMeta& m, const EniEntry& eni, const SubnetEntry& sn,
                      const Snapshot& s) {
  const auto* a = reinterpret_cast<const ArpHeader*>(f.data + m.l3_offset);
  Ipv4Addr sender = m.src4(), target = m.dst4();
  if (MacAddr::from(a->sender_mac) != eni.mac) return DropReason::kArpSpoofed;
  if (sender.host() == 0) return DropReason::kArpUnanswered;  // RFC 5227 probe
  if (eni.source_dest_check && !eni_owns(eni, sender)) return DropReason::kArpSpoofed;
  if (sender == target) return DropReason::kArpGratuitous;
  if (m.type != kArpRequest) return DropReason::kArpUnanswered;
  if (!sn.has_ipv4 || !sn.cidr4.contains(target) || eni_owns(eni, target))
    return DropReason::kArpUnanswered;
  build_arp_reply(f, m, s.router_mac);
  return DropReason::kNone;
}

// A router solicitation: answered with the subnet's prefix (on-link only)
// and the link MTU when the ENI has a subnet with IPv6 (RFC 4861 §6.1.1:
// hop limit 255, code 0, at least the 8-byte header).
DropReason answer_router_solicit(Frame& f, PacketMeta& m, const SubnetEntry& sn, const Snapshot& s, uint16_t eni) {
  if (!sn.has_ipv6) return DropReason::kNdUnanswered;
  const auto* ip = reinterpret_cast<const Ipv6Header*>(f.data + m.l3_offset);
  const uint32_t l3_end = std::min<uint32_t>(f.len, static_cast<uint32_t>(m.l3_offset) + m.l3_length);
  if (ip->hop_limit != 255 || m.code != 0 || m.l4_offset + 8u > l3_end) return DropReason::kMalformed;
  const uint32_t icmp_len = l3_end - m.l4_offset;
  if (ipv6_l4_checksum(ip->src, ip->dst, kProtoIcmpv6, f.data + m.l4_offset, icmp_len).raw() != 0)
    return DropReason::kMalformed;  // (the checksum field included, a right one sums to zero)
  for (uint32_t o = m.l4_offset + 8; o + 2 <= l3_end;) {  // options: none of length 0 (§6.1.1)
    if (f.data[o + 1] == 0) return DropReason::kMalformed;
    o += f.data[o + 1] * 8u;
  }
  const Ipv6Addr src = m.src6();
  if (!src.is_unspecified() && !src.is_link_local()) return DropReason::kNdUnanswered;
  const uint16_t mtu = eni < s.eni_dhcp.size() ? s.eni_dhcp[eni].mtu : 0;  // the overlay's inner MTU, as DHCP says
  if (!build_router_advert(f, m, s.router_mac, s.router_link_local, sn.cidr6, mtu)) return DropReason::kMultiSegment;
  return DropReason::kNone;
}

DropReason answer_neighbor_solicit(Frame& f, PacketMeta& m, const EniEntry& eni,
                                   const SubnetEntry& sn, const Snapshot& s) {
  if (m.type != kIcmpv6NeighborSolicit) return DropReason::kNdUnanswered;
  Ipv6Addr target;
  if (!valid_neighbor_solicit(f, m, target)) return DropReason::kMalformed;
  Ipv6Addr src = m.src6();
  if (src.is_unspecified()) return DropReason::kNdUnanswered;  // duplicate address detection
  if (eni.source_dest_check && !src.is_link_local() && !eni_owns(eni, src))
    return DropReason::kSpoofedSrcIp;
  bool router = target == s.router_link_local || (sn.has_ipv6 && target == sn.gateway6);
  bool proxied = sn.has_ipv6 && sn.cidr6.contains(target) && !eni_owns(eni, target);
  if (!router && !proxied) return DropReason::kNdUnanswered;
  if (!build_neighbor_advert(f, m, s.router_mac)) return DropReason::kMultiSegment;
  return DropReason::kNone;
}

}  // namespace

void neighbor_stage(Burst& b, const Snapshot& s) {
  for (uint16_t i = 0; i < b.count; ++i) {
    if (!b.undecided(i)) continue;
    PacketMeta& m = b.meta[i];
    if (m.kind != PacketKind::kArp && !is_neighbor_discovery(m)) continue;
    Verdict& v = b.verdict[i];
    const EniEntry& eni = s.enis[v.in_eni];
    const SubnetEntry& sn = s.subnets[eni.subnet];
    DropReason r = m.kind == PacketKind::kArp                  ? answer_arp(b.frames[i], m, eni, sn, s)
                   : m.type == kIcmpv6RouterSolicit             ? answer_router_solicit(b.frames[i], m, sn, s, v.in_eni)
                                                                : answer_neighbor_solicit(b.frames[i], m, eni, sn, s);
    if (r != DropReason::kNone) {
      v.drop_with(r);
    } else {
      v.action = Action::kReply;
      v.out_eni = v.in_eni;
    }
  }
}

}  // namespace vfpath
