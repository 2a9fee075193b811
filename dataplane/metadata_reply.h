// The instance metadata service's replies, as the VM is to see them: the
// IP packet the service's kernel sent to an ENI's client address
// (packet/metadata_nat.h) gets the ENI's own address back as destination and
// an Ethernet header (802.1Q-tagged for an ENI with a VLAN) from the VPC
// router's MAC to the ENI's. The IP TTL / hop limit is left as the service
// set it: IMDSv2's hop limit (a token PUT's response leaves with 1 by
// default) is the point, so nothing on this path counts it down.
#pragma once

#include <cstdint>

#include "dataplane/snapshot.h"
#include "packet/drop_reason.h"
#include "packet/frame.h"

namespace vfpath {

struct MetadataDelivery {
  uint16_t port = 0;  // the ENI's DPDK port
  uint32_t slot = 0;  // its counter slot
};

// Rewrites `f` (one IP packet, single segment) in place into the frame for
// the VM. kNone and `out` filled, or why it cannot go: kMalformed (not a
// TCP packet from the service), kMetadataUnavailable (a client address no
// ENI of `s` owns: one removed since its request), kMultiSegment (no
// headroom for the L2 header).
DropReason metadata_reply_frame(Frame& f, const Snapshot& s, MetadataDelivery& out);

}  // namespace vfpath
