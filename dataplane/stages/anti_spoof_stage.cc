#include "dataplane/stages/eni_addresses.h"
#include "dataplane/stages/stages.h"

namespace vfpath {

void anti_spoof_stage(Burst& b, const Snapshot& s) {
  for (uint16_t i = 0; i < b.count; ++i) {
    if (!b.undecided(i)) continue;
    const PacketMeta& m = b.meta[i];
    const EniEntry& eni = s.enis[b.verdict[i].in_eni];
    if (!eni.source_dest_check) continue;
    bool own;
    if (m.kind == PacketKind::kIpv4) {
      own = eni_owns(eni, m.src4());
    } else {
      Ipv6Addr src = m.src6();
      own = src.is_link_local() || src.is_unspecified() || eni_owns(eni, src);
    }
    if (!own) b.verdict[i].drop_with(DropReason::kSpoofedSrcIp);
  }
}

}  // namespace vfpath
