// Which IPv6 packets are neighbour discovery or MLD: link-scope control
// traffic the router absorbs or answers itself, never forwards.
#pragma once

#include <cstring>

#include "dataplane/burst.h"
#include "packet/addr.h"
#include "packet/checksum.h"
#include "packet/frame.h"
#include "packet/net_headers.h"
#include "packet/packet_meta.h"

namespace vfpath {

// An ARP request the router may answer when its target is ours: untagged
// on a port of the router's own (uplink, internet gateway), from a sender
// with an address (not a probe).
inline bool answerable_arp_request(const PacketMeta& m) {
  return m.kind == PacketKind::kArp && m.type == wire::kArpRequest && m.l3_offset == 14 && m.src4().host() != 0;
}

// A reply built in place (ARP, NA) goes back out of the port it came in on
// to whoever asked, from `ours`: the L2 header is written here
// (l2_rewrite_stage only addresses ENIs). `out`: the port's pseudo-ENI.
inline void reply_to_sender(Frame& f, const MacAddr& ours, Verdict& v, uint16_t out) {
  auto* eth = reinterpret_cast<wire::EthernetHeader*>(f.data);
  std::memcpy(eth->dst, eth->src, 6);
  std::memcpy(eth->src, ours.bytes.data(), 6);
  v.action = Action::kReply;
  v.out_eni = out;
}

inline bool is_neighbor_discovery(const PacketMeta& m) {
  if (m.kind != PacketKind::kIpv6 || m.l4_proto != wire::kProtoIcmpv6 || !m.has(meta_flags::kHasL4))
    return false;
  // MLD query/report/done (130-132), router/neighbour discovery (133-137), MLDv2 report (143)
  return (m.type >= 130 && m.type <= 137) || m.type == 143;
}

// RFC 4861 §7.1.1 validity of a neighbour solicitation `m` (type checked by
// the caller): hop limit 255, code 0, the whole message readable, checksum.
// Sets `target` when valid.
inline bool valid_neighbor_solicit(const Frame& f, const PacketMeta& m, Ipv6Addr& target) {
  const uint32_t icmp_len = m.l3_length - (m.l4_offset - m.l3_offset);
  if (m.ttl != 255 || m.code != 0 || icmp_len < sizeof(wire::NeighborMessage) || m.l4_offset + icmp_len > f.len)
    return false;
  const uint8_t* icmp = f.data + m.l4_offset;
  if (ipv6_l4_checksum(m.src.bytes, m.dst.bytes, wire::kProtoIcmpv6, icmp, icmp_len).host() != 0) return false;
  target = Ipv6Addr::from(reinterpret_cast<const wire::NeighborMessage*>(icmp)->target);
  return true;
}

}  // namespace vfpath
