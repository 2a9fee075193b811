#include "dataplane/pipeline.h"

#include "dataplane/stages/stages.h"

namespace vfpath {

void run_pipeline(Burst& b, const Snapshot& s) {
  const PortEntry* port = s.port(b.in_port);
  if (!port || port->role != PortRole::kEni) {
    // Uplink traffic waits for the overlay (decap); an unknown port has no role.
    for (uint16_t i = 0; i < b.count; ++i) b.verdict[i].drop_with(DropReason::kUplinkUnhandled);
    return;
  }
  parse_stage(b);
  eni_stage(b, s);
  neighbor_stage(b, s);
  anti_spoof_stage(b, s);
  route_stage(b, s);
  nacl_stage(b, s);
  l2_rewrite_stage(b, s);
}

}  // namespace vfpath
