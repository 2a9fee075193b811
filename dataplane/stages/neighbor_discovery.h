// Which IPv6 packets are neighbour discovery or MLD: link-scope control
// traffic the router absorbs or answers itself, never forwards.
#pragma once

#include "dataplane/net_headers.h"
#include "dataplane/packet_meta.h"

namespace vfpath {

inline bool is_neighbor_discovery(const PacketMeta& m) {
  if (m.kind != PacketKind::kIpv6 || m.l4_proto != wire::kProtoIcmpv6 || !m.has(meta_flags::kHasL4))
    return false;
  // MLD query/report/done (130-132), router/neighbour discovery (133-137), MLDv2 report (143)
  return (m.type >= 130 && m.type <= 137) || m.type == 143;
}

}  // namespace vfpath
