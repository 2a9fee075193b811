#include "encap/decap.h"

#include <cstring>

#include "packet/checksum.h"
#include "packet/net_headers.h"
#include "packet/parser.h"

namespace vfpath::encap {

using namespace wire;

namespace {

bool to_our_address(const PacketMeta& outer, const DecapConfig& cfg) {
  if (outer.kind == PacketKind::kIpv4) return cfg.has_v4 && outer.dst4() == cfg.local_v4;
  return cfg.has_v6 && std::memcmp(outer.dst.bytes, cfg.local_v6.bytes.data(), 16) == 0;
}

bool critical_option_known(const DecapConfig& cfg, uint16_t option_class, uint8_t type) {
  uint32_t id = uint32_t{option_class} << 8 | type;
  for (uint8_t i = 0; i < cfg.known_critical_count; ++i)
    if (cfg.known_critical_options[i] == id) return true;
  return false;
}

// Geneve header at `p` with `avail` bytes of the UDP payload readable after
// it. Sets `header_len` (8 + options) and the VNI.
DropReason parse_geneve(const uint8_t* p, uint32_t avail, const DecapConfig& cfg, uint16_t& header_len,
                        uint32_t& vni) {
  if (avail < sizeof(GeneveHeader)) return DropReason::kBadEncap;
  const auto* g = reinterpret_cast<const GeneveHeader*>(p);
  if ((g->ver_opt_len >> kGeneveVersionShift) != 0) return DropReason::kBadEncap;
  if (g->flags & kGeneveFlagO) return DropReason::kBadEncap;
  if (g->protocol_type.host() != kEtherTypeTransparentBridging) return DropReason::kBadEncap;
  const uint32_t opt_len = (g->ver_opt_len & kGeneveOptLenMask) * 4u;
  if (sizeof(GeneveHeader) + opt_len > avail) return DropReason::kBadEncap;
  // Walk the options: each must fit in Opt Len; unknown critical ones drop.
  const uint8_t* opt = p + sizeof(GeneveHeader);
  const uint8_t* end = opt + opt_len;
  while (opt < end) {
    if (end - opt < static_cast<long>(sizeof(GeneveOption))) return DropReason::kBadEncap;
    const auto* o = reinterpret_cast<const GeneveOption*>(opt);
    uint32_t len = sizeof(GeneveOption) + (o->length & kGeneveOptionLengthMask) * 4u;
    if (len > static_cast<uint32_t>(end - opt)) return DropReason::kBadEncap;
    if ((o->type & kGeneveOptionCritical) && !critical_option_known(cfg, o->option_class.host(), o->type))
      return DropReason::kBadEncap;
    opt += len;
  }
  header_len = static_cast<uint16_t>(sizeof(GeneveHeader) + opt_len);
  vni = vni_of(g->vni_reserved);
  return DropReason::kNone;
}

}  // namespace

DropReason parse_tunnel(const Frame& f, const PacketMeta& outer, const DecapConfig& cfg, TunnelInfo& t) {
  if (outer.kind != PacketKind::kIpv4 && outer.kind != PacketKind::kIpv6) return DropReason::kBadEncap;
  if (outer.l4_proto != kProtoUdp || !outer.has(meta_flags::kHasL4) || outer.has(meta_flags::kFragment))
    return DropReason::kBadEncap;
  if (!to_our_address(outer, cfg)) return DropReason::kBadEncap;
  const uint16_t dport = outer.dst_port.host();
  const bool vxlan = cfg.vxlan_port != 0 && dport == cfg.vxlan_port;
  const bool geneve = cfg.geneve_port != 0 && dport == cfg.geneve_port;
  if (!vxlan && !geneve) return DropReason::kBadEncap;

  // The parser vouched for a whole UDP header at l4_offset and a UDP length
  // within the IP packet; bound every read by both that and the readable bytes.
  if (uint32_t{outer.l4_offset} + sizeof(UdpHeader) > f.len) return DropReason::kBadEncap;
  const auto* udp = reinterpret_cast<const UdpHeader*>(f.data + outer.l4_offset);
  const uint32_t udp_end = outer.l4_offset + uint32_t{udp->length.host()};
  if (udp_end > f.len) return DropReason::kBadEncap;  // the datagram must be in the first segment
  const bool ipv6 = outer.kind == PacketKind::kIpv6;
  if (udp->checksum.raw() == 0) {
    if (ipv6 && !cfg.accept_zero_udp6_checksum) return DropReason::kBadEncap;
  } else if (cfg.verify_udp_checksum && f.single_segment()) {
    const uint32_t udp_len = udp_end - outer.l4_offset;
    uint32_t sum = checksum_partial(&outer.src, ipv6 ? 16 : 4);
    sum = checksum_partial(&outer.dst, ipv6 ? 16 : 4, sum);
    sum += kProtoUdp + udp_len;
    if (checksum_finish(checksum_partial(udp, udp_len, sum)).host() != 0) return DropReason::kBadEncap;
  }

  const uint8_t* hdr = f.data + outer.l4_offset + sizeof(UdpHeader);
  const uint32_t avail = udp_end - (outer.l4_offset + sizeof(UdpHeader));
  uint16_t header_len = 0;
  if (vxlan) {
    if (avail < sizeof(VxlanHeader)) return DropReason::kBadEncap;
    const auto* v = reinterpret_cast<const VxlanHeader*>(hdr);
    if (!(v->flags & kVxlanFlagI)) return DropReason::kBadEncap;
    header_len = sizeof(VxlanHeader);
    t.vni = vni_of(v->vni_reserved);
    t.type = TunnelType::kVxlan;
  } else {
    DropReason e = parse_geneve(hdr, avail, cfg, header_len, t.vni);
    if (e != DropReason::kNone) return e;
    t.type = TunnelType::kGeneve;
  }
  t.inner_offset = static_cast<uint16_t>(outer.l4_offset + sizeof(UdpHeader) + header_len);
  if (t.inner_offset + sizeof(EthernetHeader) > udp_end) return DropReason::kBadEncap;  // no inner frame
  t.inner_length = static_cast<uint16_t>(udp_end - t.inner_offset);
  t.outer_src.ipv6 = ipv6;
  t.outer_src.addr = outer.src;  // IPv4 in the first word, the rest zero (parser)
  return DropReason::kNone;
}

DropReason check_inner(const Frame& f, const TunnelInfo& t, PacketMeta& inner) {
  // The inner frame is bounded by the UDP datagram, not by the outer frame.
  if (parse_frame(f.data + t.inner_offset, t.inner_length, inner) != DropReason::kNone)
    return DropReason::kBadEncap;
  if (inner.kind != PacketKind::kIpv4 && inner.kind != PacketKind::kIpv6) return DropReason::kBadEncap;
  if (inner.has(meta_flags::kVlan)) return DropReason::kBadEncap;  // the VNI is the segment; no tags inside
  return DropReason::kNone;
}

bool outer_source_owns(const MappingTable& mappings, uint16_t vpc, const PacketMeta& inner,
                       const UnderlayIp& outer_src) {
  OverlayAddr src;
  src.addr = inner.src;
  src.ipv6 = inner.kind == PacketKind::kIpv6;
  Mapping owner;
  return mappings.find(vpc, src, owner) && owner.underlay == outer_src;
}

}  // namespace vfpath::encap
