// resolve_remote (stages.h): the egress half of routing for a destination on
// another host.
#include "dataplane/overlay_snapshot.h"
#include "dataplane/stages/stages.h"

namespace vfpath {

DropReason resolve_remote(const Snapshot& s, const EniEntry& eni, uint16_t eni_index, const PacketMeta& m,
                          encap::Mapping& peer, uint16_t& peer_subnet) {
  const OverlaySnapshot& o = *s.overlay;
  const VpcOverlay& vpc = o.vpcs[eni.vpc];
  if (vpc.vni == 0) return DropReason::kNoRoute;
  const bool v6 = m.kind == PacketKind::kIpv6;
  encap::OverlayAddr dst;
  dst.addr = m.dst;  // IPv4 in the first word, the rest zero (parser)
  dst.ipv6 = v6;
  if (!o.mappings->find(vpc.table_key, dst, peer)) return DropReason::kNoMapping;
  // Validation keeps every peer reachable over a family we have a template
  // for; during a push that adds a family, the table may run one snapshot
  // ahead: treat such a peer as not mapped yet.
  if (!vpc.to(peer.underlay.ipv6)) return DropReason::kNoMapping;
  if ((s.eni_subnet_nacl[eni_index] & 0xffff) != kDefaultNacl) peer_subnet = o.subnet_of(eni.vpc, v6, m.dst.bytes);
  return DropReason::kNone;
}

}  // namespace vfpath
