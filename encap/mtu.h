// Path MTU for the overlay: the largest inner IP packet an ENI may send to a
// remote peer, and what happens to one that is larger (DESIGN §7: the outer
// packet is never fragmented).
//
//   inner IP MTU = underlay IP MTU - overhead
//
// (overhead counts the outer Ethernet header, which the underlay MTU does not,
// and leaves out the inner Ethernet header, which the underlay MTU must carry:
// both are 14 bytes, so 1500 - 50 = 1450 for VXLAN over IPv4.)
//
// Oversized IPv4 with DF, and all oversized IPv6, get an ICMP error back to
// the VM, built in place like packet/replies.h (same contract: `m`
// describes `f` as parsed, the caller checked icmp_error_allowed(m); false
// leaves `f` unchanged). IPv4 without DF is fragmented before encapsulation.
#pragma once

#include <cstdint>
#include <span>

#include "packet/frame.h"
#include "packet/packet_meta.h"

namespace vfpath::encap {

// 0 when the underlay cannot carry the overhead at all.
constexpr uint16_t inner_mtu(uint16_t underlay_mtu, uint16_t overhead) {
  return underlay_mtu > overhead ? static_cast<uint16_t>(underlay_mtu - overhead) : 0;
}

// IPv6 links must carry 1280 (RFC 8200 §5); a tunnel that cannot is a
// configuration error (a Packet Too Big below 1280 is ignored by hosts,
// RFC 8201 §4), so config validation should require
// underlay_mtu >= 1280 + overhead when the VPC has IPv6.
inline constexpr uint16_t kIpv6MinMtu = 1280;
// RFC 791: every IPv4 host accepts 68-byte datagrams; no MTU below that.
inline constexpr uint16_t kIpv4MinMtu = 68;

enum class MtuAction : uint8_t {
  kFits = 0,      // encapsulate as is
  kTooBig = 1,    // answer ICMP frag-needed / packet-too-big (counted mtu_exceeded)
  kFragment = 2,  // IPv4 without DF: fragment_ipv4, then encapsulate each
};

// What to do with the inner IP packet `m` (IPv4/IPv6) for an inner MTU `mtu`.
inline MtuAction mtu_action(const PacketMeta& m, uint16_t mtu) {
  if (m.l3_length <= mtu) return MtuAction::kFits;
  if (m.kind == PacketKind::kIpv4 && !m.has(meta_flags::kDontFragment)) return MtuAction::kFragment;
  return MtuAction::kTooBig;
}

// ICMP destination unreachable, fragmentation needed and DF set (type 3
// code 4, RFC 1191 §4: next-hop MTU in the low 16 bits of the second word)
// from `router_ip` (4 bytes), quoting as much as fits in 576 bytes (RFC 1812
// §4.3.2.3). Needs 28 bytes of headroom (dataplane kIcmpv4ErrorOverhead) + 4.
bool build_frag_needed(Frame& f, PacketMeta& m, const uint8_t* router_ip, uint16_t mtu);

// ICMPv6 Packet Too Big (type 2, RFC 4443 §3.2) carrying `mtu`, from
// `router_ip` (16 bytes), quoting as much as fits in 1280 bytes.
bool build_packet_too_big(Frame& f, PacketMeta& m, const uint8_t* router_ip, uint32_t mtu);

// Splits the IPv4 packet `m` in `in` (no DF, single segment) into fragments of
// at most `mtu` bytes of IP packet each (RFC 791 §3.2: data in multiples of 8,
// options without the copy flag only in the first), each written with a copy
// of the L2 header in front into out[i] (out[i].data is where the frame
// starts; its len + tailroom is its capacity). Returns the number of
// fragments, or 0 (nothing to rely on in `out`) when the packet has DF, `mtu`
// is below 68, `out` is too short or too small, or the options are malformed.
// A packet that is itself a fragment is split further (offsets and MF kept).
// Encapsulate every fragment with the flow hash of the original packet, so
// all fragments of a flow take one underlay path.
int fragment_ipv4(const Frame& in, const PacketMeta& m, uint16_t mtu, std::span<Frame> out);

}  // namespace vfpath::encap
