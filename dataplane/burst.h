// A burst of frames and what the pipeline has decided about each. Stages run
// over the whole burst in turn; a stage skips packets already decided
// (verdict.action != kContinue), so no stage re-parses or re-decides.
#pragma once

#include <cstdint>

#include "dataplane/drop_reason.h"
#include "dataplane/frame.h"
#include "dataplane/packet_meta.h"
#include "dataplane/snapshot.h"

namespace vfpath {

inline constexpr uint16_t kBurstSize = 32;

enum class Action : uint8_t {
  kContinue = 0,  // undecided: the next stage looks at it
  kDrop,          // verdict.drop says why
  kForward,       // to out_eni (on its port), after L2 rewrite
  kReply,         // a reply built in place goes back to in_eni
};

struct Verdict {
  Action action = Action::kContinue;
  DropReason drop = DropReason::kNone;  // set for kDrop; may be set with kReply (ICMP error)
  uint16_t in_eni = kNoEni;
  uint16_t out_eni = kNoEni;
  // NACL hit-counter slot + 1 of the entry that decided, 0 if none:
  // [0] the source subnet's egress NACL, [1] the destination's ingress NACL.
  uint32_t nacl_hit[2] = {0, 0};

  void drop_with(DropReason r) {
    action = Action::kDrop;
    drop = r;
  }
};

struct Burst {
  uint16_t count = 0;
  uint16_t in_port = 0;
  Frame frames[kBurstSize];
  PacketMeta meta[kBurstSize];
  Verdict verdict[kBurstSize];

  bool undecided(uint16_t i) const { return verdict[i].action == Action::kContinue; }
};

}  // namespace vfpath
