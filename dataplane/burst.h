// A burst of frames and what the pipeline has decided about each. Stages run
// over the whole burst in turn; a stage skips packets already decided
// (verdict.action != kContinue), so no stage re-parses or re-decides.
#pragma once

#include <cstdint>
#include <type_traits>

#include "packet/drop_reason.h"
#include "packet/frame.h"
#include "dataplane/overlay_snapshot.h"
#include "packet/packet_meta.h"
#include "dataplane/snapshot.h"

namespace vfpath {

inline constexpr uint16_t kBurstSize = 32;

enum class Action : uint8_t {
  kContinue = 0,  // undecided: the next stage looks at it
  kDrop,          // verdict.drop says why
  kForward,       // to out_eni (on its port), after L2 rewrite; kUplinkEni: encapsulated, to the uplink
  kReply,         // a reply built in place goes back to in_eni
  kHandoff,       // another worker owns the connection: hand it to verdict.owner
  kHold,          // a fragment ahead of its first fragment: kept, resumed once that is decided
  kToMetadata,    // to the instance metadata service: the frame was cut to its IP packet, source translated
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
  kIcmpAllowed,   // an ICMP error about nothing this zone tracks, allowed as ICMP by a rule (sg_rule)
};

// What a transmitting port must finish for a frame: with UDP checksum offload
// the tunnel template stored only the pseudo-header sum in the outer UDP
// header, and the NIC completes it over the outer IPv4 or IPv6 header.
enum class TxOffload : uint8_t { kNone = 0, kOuterUdp4Checksum, kOuterUdp6Checksum };

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
  // Set by overlay_encap_stage on a packet it encapsulated: what the port
  // must finish on transmit (the worker turns it into mbuf offload flags).
  TxOffload tx_offload = TxOffload::kNone;
  // The drop is the receiving ENI's (its allowance): counted on out_eni.
  bool charge_receiver = false;

  void drop_with(DropReason r) {
    action = Action::kDrop;
    drop = r;
  }
};

// Empty buffers the caller lends the pipeline for packets that become
// several (IPv4 fragmentation before encapsulation): at most this many per
// burst. frame[0, count) are empty frames (len 0, data where a received frame
// would start, headroom for the outer headers in front and a whole frame's
// room behind). The pipeline fills them in order, `used` of them, and sets
// out[j] to the output of each (kUplinkEni) and offload[j] to what its port
// must finish, or out[j] = kNoEni for one it filled and then dropped.
inline constexpr uint16_t kSpareFrames = 8;

struct SpareFrames {
  uint16_t count = 0;
  uint16_t used = 0;
  Frame frame[kSpareFrames];
  uint16_t out[kSpareFrames];
  TxOffload offload[kSpareFrames];
};

// What routing learned about packet i for the stages after it, handed to
// them explicitly (run_pipeline owns one per burst): the route stage (or
// overlay decap) writes it, the NACL and overlay encap stages read it.
struct RouteResults {
  // Overlay egress (verdict to kUplinkEni): the destination's owner. Raw
  // storage: a Mapping zeroes itself when constructed, and 32 of them per
  // burst showed as ~15 cycles per packet on the untracked path.
  union PeerSlot {
    PeerSlot() {}
    encap::Mapping mapping;
  };
  static_assert(std::is_trivially_destructible_v<encap::Mapping>);
  PeerSlot peer_slots[kBurstSize];
  encap::Mapping& peer(uint16_t i) { return peer_slots[i].mapping; }
  const encap::Mapping& peer(uint16_t i) const { return peer_slots[i].mapping; }
  // Overlay traffic: the subnet of the remote end (the destination on egress,
  // the source on ingress), so that NACLs skip traffic within one subnet.
  // kNoSubnet unless the local end's subnet has a NACL.
  uint16_t peer_subnet[kBurstSize];

  // Only what is read before it is written: peer is written with the verdict.
  void reset(uint16_t count) {
    for (uint16_t i = 0; i < count; ++i) peer_subnet[i] = kNoSubnet;
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
