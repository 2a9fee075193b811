#include <cstring>

#include "packet/net_headers.h"
#include "dataplane/overlay_snapshot.h"
#include "dataplane/stages/stages.h"

namespace vfpath {
namespace {

uint16_t ether_type_of(PacketKind k) {
  switch (k) {
    case PacketKind::kArp: return wire::kEtherTypeArp;
    case PacketKind::kIpv4: return wire::kEtherTypeIpv4;
    default: return wire::kEtherTypeIpv6;
  }
}

}  // namespace

void l2_rewrite_stage(Burst& b, const Snapshot& s) {
  for (uint16_t i = 0; i < b.count; ++i) {
    Verdict& v = b.verdict[i];
    if (v.action != Action::kForward && v.action != Action::kReply) continue;
    if (v.out_eni == kUplinkEni) continue;  // encapsulated: the inner header is written
    const EniEntry& out = s.enis[v.out_eni];
    Frame& f = b.frames[i];
    PacketMeta& m = b.meta[i];
    const int l2_len = out.vlan ? 18 : 14;
    const int grow = l2_len - m.l3_offset;
    if (grow > f.headroom) {  // a VLAN tag to add and a buffer without headroom
      v.drop_with(DropReason::kMultiSegment);
      continue;
    }
    f.move_start(grow);
    m.l3_offset = static_cast<uint16_t>(l2_len);
    auto* eth = reinterpret_cast<wire::EthernetHeader*>(f.data);
    std::memcpy(eth->dst, out.mac.bytes.data(), 6);
    std::memcpy(eth->src, s.router_mac.bytes.data(), 6);
    be16 type = be16::from_host(ether_type_of(m.kind));
    if (out.vlan) {
      eth->ether_type = be16::from_host(wire::kEtherTypeVlan);
      auto* tag = reinterpret_cast<wire::VlanTag*>(eth + 1);
      tag->tci = be16::from_host(out.vlan);
      tag->ether_type = type;
    } else {
      eth->ether_type = type;
    }
  }
}

}  // namespace vfpath
