#include "packet/net_headers.h"
#include "dataplane/stages/stages.h"

namespace vfpath {

void eni_stage(Burst& b, const Snapshot& s) {
  const PortEntry* port = s.port(b.in_port);
  const uint16_t fallback = port ? port->only_eni : kNoEni;
  for (uint16_t i = 0; i < b.count; ++i) {
    Verdict& v = b.verdict[i];
    const PacketMeta& m = b.meta[i];
    const auto* eth = reinterpret_cast<const wire::EthernetHeader*>(b.frames[i].data);
    // A frame that failed to parse is still charged to the port's ENI if any.
    v.in_eni = fallback;
    if (!b.undecided(i)) continue;
    uint16_t vlan = m.has(meta_flags::kVlan) ? (m.vlan_tci & 0x0fff) : 0;
    const uint16_t* eni = s.eni_by_l2.find(make_l2_key(b.in_port, vlan, eth->src));
    if (!eni) {
      v.drop_with(DropReason::kSpoofedSrcMac);
      continue;
    }
    v.in_eni = *eni;
    if (m.kind != PacketKind::kArp && !(eth->dst[0] & 0x01) &&
        MacAddr::from(eth->dst) != s.router_mac)
      v.drop_with(DropReason::kNotToRouter);
  }
}

}  // namespace vfpath
