// underlay_neighbor_stage (stages.h): the appliance as a host on the
// underlay network, so the underlay's gateway (or a peer on the same
// segment) can resolve our underlay addresses without static entries.
#include <cstring>

#include "packet/net_headers.h"
#include "dataplane/overlay_snapshot.h"
#include "packet/replies.h"
#include "dataplane/stages/neighbor_discovery.h"
#include "dataplane/stages/stages.h"

namespace vfpath {

void underlay_neighbor_stage(Burst& b, const Snapshot& s) {
  const OverlaySnapshot& o = *s.overlay;
  for (uint16_t i = 0; i < b.count; ++i) {
    if (!b.undecided(i)) continue;
    PacketMeta& m = b.meta[i];
    Frame& f = b.frames[i];
    Verdict& v = b.verdict[i];
    if (m.kind == PacketKind::kArp) {
      // Requests for our IPv4 underlay address; VLAN-tagged ones are not ours.
      if (answerable_arp_request(m) && o.decap.has_v4 && m.dst4() == o.decap.local_v4) {
        build_arp_reply(f, m, o.underlay_mac);
        reply_to_sender(f, o.underlay_mac, v, kUplinkEni);
      } else {
        v.drop_with(DropReason::kArpUnanswered);
      }
      continue;
    }
    if (!is_neighbor_discovery(m)) continue;  // the tunnel traffic: decap's
    Ipv6Addr target;
    if (m.type == wire::kIcmpv6NeighborSolicit && o.decap.has_v6 && m.l3_offset == 14 &&
        valid_neighbor_solicit(f, m, target) && target == o.decap.local_v6 && !m.src6().is_unspecified() &&
        build_neighbor_advert(f, m, o.underlay_mac)) {
      reply_to_sender(f, o.underlay_mac, v, kUplinkEni);
    } else {
      v.drop_with(DropReason::kNdUnanswered);
    }
  }
}

}  // namespace vfpath
