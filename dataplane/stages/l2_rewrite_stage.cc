#include <cstring>

#include "dataplane/eni_l2.h"
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
    if (v.out_eni == kUplinkEni || v.out_eni == kInternetEni) continue;  // the encap / internet stage wrote it
    const EniEntry& out = s.enis[v.out_eni];
    Frame& f = b.frames[i];
    PacketMeta& m = b.meta[i];
    const int l2_len = eni_l2_length(out);
    const int grow = l2_len - m.l3_offset;
    if (grow > f.headroom) {  // a VLAN tag to add and a buffer without headroom
      v.drop_with(DropReason::kMultiSegment);
      continue;
    }
    f.move_start(grow);
    m.l3_offset = static_cast<uint16_t>(l2_len);
    write_eni_l2(f.data, out, s.router_mac, ether_type_of(m.kind));
  }
}

}  // namespace vfpath
