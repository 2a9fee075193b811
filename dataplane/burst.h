// A burst of frames and what the pipeline has decided about each. Stages run
// over the whole burst in turn; a stage skips packets already decided
// (verdict.action != kContinue), so no stage re-parses or re-decides.
#pragma once

#include <cstdint>

#include "dataplane/drop_reason.h"
#include "dataplane/frame.h"
#include "dataplane/overlay_snapshot.h"
#include "dataplane/packet_meta.h"
#include "dataplane/snapshot.h"

namespace vfpath {

inline constexpr uint16_t kBurstSize = 32;

enum class Action : uint8_t {
  kContinue = 0,  // undecided: the next stage looks at it
  kDrop,          // verdict.drop says why
  kForward,       // to out_eni (on its port), after L2 rewrite; kUplinkEni: encapsulated, to the uplink
  kReply,         // a reply built in place goes back to in_eni
  kHandoff,       // another worker owns the connection: hand it to verdict.owner
};

// What connection tracking made of a packet, per checked ENI (Explain, tests).
enum class CtNote : uint8_t {
  kNone = 0,      // not checked (not forwarded to/from a local ENI)
  kNew,           // first packet, admitted by a security-group rule
  kEstablished,   // a packet of a tracked connection
  kUntracked,     // allowed by all-open rules both ways: not tracked (AWS)
  kRelated,       // an ICMP error about a tracked connection
  kRevalidated,   // a tracked connection re-checked after a policy change
  kFragment,      // a non-first fragment following its first fragment
};

struct Verdict {
  Action action = Action::kContinue;
  DropReason drop = DropReason::kNone;  // set for kDrop; may be set with kReply (ICMP error)
  uint16_t in_eni = kNoEni;
  uint16_t out_eni = kNoEni;
  // NACL hit-counter slot + 1 of the entry that decided, 0 if none:
  // [0] the source subnet's egress NACL, [1] the destination's ingress NACL.
  uint32_t nacl_hit[2] = {0, 0};
  // Security groups, [0] the sender's egress, [1] the receiver's ingress:
  // the rule number in the ENI's policy that admitted a new connection
  // (SgPolicy::rule_names[n - 1]), 0 if none; and what tracking decided.
  uint16_t sg_rule[2] = {0, 0};
  CtNote ct[2] = {CtNote::kNone, CtNote::kNone};
  uint16_t owner = 0;  // kHandoff: the worker that owns the connection
  // Overlay traffic: the subnet of the remote end (the destination on egress,
  // the source on ingress), so that NACLs skip traffic within one subnet.
  // Set only when the local end's subnet has a NACL.
  uint16_t peer_subnet = kNoSubnet;

  void drop_with(DropReason r) {
    action = Action::kDrop;
    drop = r;
  }
};

// Empty buffers the caller lends the pipeline for packets that become
// several (IPv4 fragmentation before encapsulation): at most this many per burst.
inline constexpr uint16_t kSpareFrames = 8;

struct Burst {
  uint16_t count = 0;
  uint16_t in_port = 0;
  Frame frames[kBurstSize];
  PacketMeta meta[kBurstSize];
  Verdict verdict[kBurstSize];
  // Overlay egress: where the destination of frame i lives (route stage ->
  // overlay encap stage); valid for verdicts to kUplinkEni.
  encap::Mapping peer[kBurstSize];
  // Lent by the caller: spare[0, spare_count) are empty frames (len 0, data
  // where a received frame would start, headroom for the outer headers in
  // front and a whole frame's room behind). The pipeline fills them in
  // order, spare_used of them, and sets spare_out[j] to the output of each
  // (kUplinkEni), or kNoEni for one it filled and then dropped.
  uint16_t spare_count = 0;
  uint16_t spare_used = 0;
  Frame spare[kSpareFrames];
  uint16_t spare_out[kSpareFrames];

  bool undecided(uint16_t i) const { return verdict[i].action == Action::kContinue; }
};

}  // namespace vfpath
