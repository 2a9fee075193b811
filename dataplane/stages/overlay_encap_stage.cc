// overlay_encap_stage (stages.h): MTU, fragmentation and encapsulation of
// packets that leave for another host.
#include <cstring>
#include <span>

#include "packet/net_headers.h"
#include "dataplane/overlay_snapshot.h"
#include "packet/replies.h"
#include "dataplane/stages/router_address.h"
#include "dataplane/stages/stages.h"
#include "encap/flow_hash.h"
#include "encap/mtu.h"

namespace vfpath {
namespace {

// The inner Ethernet header: to the peer ENI's MAC, from the router's, never
// tagged (the VNI is the segment). A VLAN tag the VM sent is removed.
void write_inner_l2(Frame& f, PacketMeta& m, const MacAddr& dst, const MacAddr& router) {
  const int grow = static_cast<int>(sizeof(wire::EthernetHeader)) - m.l3_offset;  // 0, or -4 untagging
  f.move_start(grow);
  m.l3_offset = sizeof(wire::EthernetHeader);
  if (m.l4_offset) m.l4_offset = static_cast<uint16_t>(m.l4_offset + grow);
  auto* eth = reinterpret_cast<wire::EthernetHeader*>(f.data);
  std::memcpy(eth->dst, dst.bytes.data(), 6);
  std::memcpy(eth->src, router.bytes.data(), 6);
  eth->ether_type = be16::from_host(m.kind == PacketKind::kIpv4 ? wire::kEtherTypeIpv4 : wire::kEtherTypeIpv6);
}

// Too big for the tunnel and not to be fragmented: the VM learns the MTU.
void answer_too_big(Burst& b, uint16_t i, const Snapshot& s, uint16_t mtu) {
  Verdict& v = b.verdict[i];
  PacketMeta& m = b.meta[i];
  v.drop_with(DropReason::kMtuExceeded);
  const uint8_t* from = router_address(s, s.subnets[s.enis[v.in_eni].subnet], m.kind);
  const bool built = icmp_error_allowed(m) && (m.kind == PacketKind::kIpv4
                                                   ? encap::build_frag_needed(b.frames[i], m, from, mtu)
                                                   : encap::build_packet_too_big(b.frames[i], m, from, mtu));
  if (built) {
    v.action = Action::kReply;  // the reason stays counted; the error goes back
    v.out_eni = v.in_eni;
  }
}

// IPv4 without DF: fragments of at most `mtu`, the first in the packet's own
// buffer, the others in the burst's spare frames, each encapsulated. All
// carry the flow hash of the original packet (one underlay path).
void fragment_and_encapsulate(Burst& b, uint16_t i, const encap::EncapTemplate& t, const encap::UnderlayIp& to,
                              TxOffload offload, uint16_t mtu, uint32_t hash, SpareFrames* lent) {
  Verdict& v = b.verdict[i];
  Frame& f = b.frames[i];
  static SpareFrames none;  // never written: nothing is free in it
  SpareFrames& spares = lent ? *lent : none;
  const uint16_t free = static_cast<uint16_t>(spares.count - spares.used);
  // The first fragment goes to a scratch buffer (fragment_ipv4 reads the
  // packet while writing), then back over the packet: it is never longer.
  alignas(64) uint8_t scratch[2048];
  Frame out[kSpareFrames + 1];
  out[0] = Frame{scratch, 0, 0, static_cast<uint16_t>(sizeof scratch), 0};
  for (uint16_t j = 0; j < free; ++j) out[1 + j] = spares.frame[spares.used + j];
  const int n = encap::fragment_ipv4(f, b.meta[i], mtu, std::span<Frame>(out, free + 1u));
  if (n < 2) {  // no spare frames left, or a packet fragment_ipv4 refuses
    v.drop_with(DropReason::kMtuExceeded);
    return;
  }
  std::memcpy(f.data, scratch, out[0].len);
  f.set_length(out[0].len);
  if (!encap::encapsulate(f, t, to, hash)) {
    v.drop_with(DropReason::kMultiSegment);
    return;
  }
  v.tx_offload = offload;
  for (int j = 1; j < n; ++j) {
    const uint16_t k = spares.used++;
    spares.frame[k] = out[j];
    spares.out[k] = encap::encapsulate(spares.frame[k], t, to, hash) ? kUplinkEni : kNoEni;
    spares.offload[k] = offload;
  }
}

}  // namespace

void overlay_encap_stage(Burst& b, const Snapshot& s, const RouteResults& routes, SpareFrames* spares) {
  if (!s.overlay) return;
  const OverlaySnapshot& o = *s.overlay;
  for (uint16_t i = 0; i < b.count; ++i) {
    Verdict& v = b.verdict[i];
    if (v.action != Action::kForward || v.out_eni != kUplinkEni) continue;
    PacketMeta& m = b.meta[i];
    Frame& f = b.frames[i];
    const VpcOverlay& vpc = o.vpcs[s.enis[v.in_eni].vpc];
    const encap::Mapping& peer = routes.peer(i);
    const encap::EncapTemplate& t = *vpc.to(peer.underlay.ipv6);  // resolve_remote checked it exists
    const uint16_t mtu = vpc.inner_mtu(peer.underlay.ipv6);
    const encap::MtuAction action = encap::mtu_action(m, mtu);
    if (action == encap::MtuAction::kTooBig) {
      answer_too_big(b, i, s, mtu);
      continue;
    }
    const uint32_t hash = encap::inner_flow_hash(m);
    write_inner_l2(f, m, peer.mac, s.router_mac);
    // With offload the template stored the pseudo-header sum; the port finishes it.
    const TxOffload offload = t.udp_checksum() != encap::UdpChecksumMode::kOffload ? TxOffload::kNone
                              : peer.underlay.ipv6 ? TxOffload::kOuterUdp6Checksum
                                                   : TxOffload::kOuterUdp4Checksum;
    if (action == encap::MtuAction::kFragment) {
      fragment_and_encapsulate(b, i, t, peer.underlay, offload, mtu, hash, spares);
    } else if (encap::encapsulate(f, t, peer.underlay, hash)) {
      v.tx_offload = offload;
    } else {
      v.drop_with(DropReason::kMultiSegment);  // no headroom for the outer headers
    }
  }
}

}  // namespace vfpath
