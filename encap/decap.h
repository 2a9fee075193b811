// Ingress: decapsulation and validation of a frame received on the uplink.
//
// Two steps, both pure and allocation-free:
//  1. parse_tunnel: the outer headers (already parsed once into the frame's
//     PacketMeta by packet/parser) must be IPv4/IPv6, unfragmented, UDP to
//     one of our underlay addresses and to the configured VXLAN or Geneve
//     port, with a well-formed tunnel header. Yields the inner frame's offset
//     and length and the VNI; otherwise kBadEncap.
//  2. decapsulate: step 1, then the VNI must be known (kBadVni), the inner
//     frame must parse as Ethernet/IPv4|IPv6 (kBadEncap), its destination must
//     be a local ENI of the VNI's VPC (kNoMapping), and the outer source must be
//     the underlay host that the mapping table says owns the inner source
//     (kUnderlaySpoof; a source with neither mapping nor route is a spoof too).
//
// What counts as a bad encapsulation (each a test case in
// tests/encap/decap_test.cc):
//  * not to our underlay address, or not to the VXLAN/Geneve port; an outer
//    fragment (VTEPs must not fragment, and the receiving VTEP may discard
//    fragments an underlay router made: RFC 7348 §4.3); a UDP datagram too
//    short for the tunnel header plus an inner Ethernet header;
//  * VXLAN without the I flag (other flag and reserved bits ignored, RFC 7348
//    §5, so GBP-marked packets pass);
//  * Geneve version != 0; the O (control) flag (RFC 8926 §3.4: never
//    forwarded, and we speak no control protocol); options running past the
//    Opt Len or the packet; an option with the critical bit that is not in
//    DecapConfig::known_critical_options, whether or not C is set (a sender
//    that marks an option critical expects it understood; RFC 8926 §3.5.1);
//  * Geneve protocol type other than 0x6558 (Ethernet), so inner IPv4/IPv6
//    without Ethernet (0x0800/0x86DD, as GCP sends) is refused: our VPC
//    router model delivers Ethernet frames to ENIs, and the pipeline after
//    decap expects the inner Ethernet header it rewrites;
//  * an outer IPv6 UDP checksum of zero (we always send one; RFC 6935/6936
//    make accepting zero an opt-in), unless accept_zero_udp6_checksum;
//  * an inner frame that is malformed, VLAN-tagged (the VNI is the segment)
//    or not IPv4/IPv6 (ARP is answered by each host's router locally, never
//    carried).
// One level only: whatever the inner frame carries (even another tunnel) is
// the inner packet, never decapsulated again here.
#pragma once

#include <cstdint>
#include <string_view>

#include "packet/drop_reason.h"
#include "packet/frame.h"
#include "packet/packet_meta.h"
#include "encap/encap_template.h"
#include "encap/mapping_table.h"
#include "encap/vni_map.h"

namespace vfpath::encap {

struct DecapConfig {
  Ipv4Addr local_v4{};  // our underlay addresses; only those of a family set below
  Ipv6Addr local_v6{};
  bool has_v4 = false;
  bool has_v6 = false;
  uint16_t vxlan_port = 4789;   // 0: VXLAN refused
  uint16_t geneve_port = 6081;  // 0: Geneve refused
  bool accept_zero_udp6_checksum = false;
  // Verify a non-zero outer UDP checksum in software (for ports without RX L4
  // checksum offload; with offload, the pipeline maps the NIC's "bad" flag to
  // bad_encap and leaves this off). Multi-segment frames are not verified.
  bool verify_udp_checksum = false;
  // Critical Geneve options we process (class << 8 | type); all others drop.
  uint32_t known_critical_options[4] = {};
  uint8_t known_critical_count = 0;
};

// The tunnel as read from the outer headers.
struct TunnelInfo {
  uint16_t inner_offset = 0;  // the inner Ethernet header, from f.data
  uint16_t inner_length = 0;  // up to the end of the UDP datagram (outer padding excluded)
  uint32_t vni = 0;
  TunnelType type = TunnelType::kVxlan;
  UnderlayIp outer_src;
};

// Step 1. `outer` is `f` as parsed by parse_frame. Reads only f.data[0, f.len).
DropReason parse_tunnel(const Frame& f, const PacketMeta& outer, const DecapConfig& cfg, TunnelInfo& t);

struct DecapResult {
  DropReason error = DropReason::kNone;
  uint16_t vpc = 0;  // valid from kNoMapping on (the VNI was known)
  TunnelInfo tunnel;
};

// Step 2. `is_local_eni(vpc, inner_meta) -> bool` says whether the inner
// destination is an ENI on this appliance (the pipeline answers from its
// snapshot; a template parameter, so no indirect call per packet). On
// success `inner` describes the inner frame with offsets relative to it (as
// after strip_outer). Thread-safe with concurrent table updates.
template <typename IsLocalEni>
DecapResult decapsulate(const Frame& f, const PacketMeta& outer, const DecapConfig& cfg, const VniMap& vnis,
                        const MappingTable& mappings, IsLocalEni&& is_local_eni, PacketMeta& inner);

// Makes the inner frame the frame: drops the outer headers and any padding
// after the UDP datagram (single segment; otherwise only the front).
inline void strip_outer(Frame& f, const TunnelInfo& t) {
  f.move_start(-static_cast<int>(t.inner_offset));
  if (f.single_segment()) f.set_length(t.inner_length);
}

// The inner-frame checks of step 2, after the VNI is known.
DropReason check_inner(const Frame& f, const TunnelInfo& t, PacketMeta& inner);
// The anti-spoof rule: the owner of the inner source must be the outer source.
bool outer_source_owns(const MappingTable& mappings, uint16_t vpc, const PacketMeta& inner,
                       const UnderlayIp& outer_src);

template <typename IsLocalEni>
DecapResult decapsulate(const Frame& f, const PacketMeta& outer, const DecapConfig& cfg, const VniMap& vnis,
                        const MappingTable& mappings, IsLocalEni&& is_local_eni, PacketMeta& inner) {
  DecapResult r;
  r.error = parse_tunnel(f, outer, cfg, r.tunnel);
  if (r.error != DropReason::kNone) return r;
  if (!vnis.find(r.tunnel.vni, r.vpc)) {
    r.error = DropReason::kBadVni;
    return r;
  }
  r.error = check_inner(f, r.tunnel, inner);
  if (r.error != DropReason::kNone) return r;
  if (!is_local_eni(r.vpc, static_cast<const PacketMeta&>(inner))) {
    r.error = DropReason::kNoMapping;
    return r;
  }
  if (!outer_source_owns(mappings, r.vpc, inner, r.tunnel.outer_src)) r.error = DropReason::kUnderlaySpoof;
  return r;
}

}  // namespace vfpath::encap
