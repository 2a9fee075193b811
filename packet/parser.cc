#include "packet/parser.h"

#include <algorithm>
#include <cstring>

#include "packet/checksum.h"
#include "packet/net_headers.h"

namespace vfpath {
namespace {

using namespace wire;

template <typename H>
const H* header_at(const uint8_t* frame, uint32_t offset) {
  return reinterpret_cast<const H*>(frame + offset);
}

// Upper-layer header at `l4` with `end` the last readable byte + 1 of this IP
// packet. `whole` is false for a first fragment, whose L4 length fields
// describe bytes that are not here.
DropReason parse_l4(const uint8_t* frame, uint32_t l4, uint32_t end, bool whole, bool ipv6,
                    PacketMeta& m) {
  m.l4_offset = static_cast<uint16_t>(l4);
  uint32_t avail = end > l4 ? end - l4 : 0;
  switch (m.l4_proto) {
    case kProtoTcp: {
      const auto* t = header_at<TcpHeader>(frame, l4);
      const bool offset_known = avail > 12;  // the data offset is byte 12
      const uint32_t header_len = offset_known ? (t->data_offset >> 4) * 4u : 0;
      if (offset_known && header_len < sizeof(TcpHeader)) return DropReason::kMalformed;
      if (avail < sizeof(TcpHeader) || header_len > avail) {
        // An IPv4 first fragment too short for its header (RFC 1858's tiny
        // fragment; at least the 8 bytes any fragment but the last carries):
        // no ports yet, judged once later fragments complete the header. An
        // IPv6 first fragment must hold the whole chain (RFC 7112).
        if (whole || ipv6 || avail < 8) return DropReason::kMalformed;
        m.flags |= meta_flags::kShortFirstFragment;
        return DropReason::kNone;
      }
      m.src_port = t->src_port;
      m.dst_port = t->dst_port;
      m.tcp_flags = t->flags;
      break;
    }
    case kProtoUdp: {
      if (avail < sizeof(UdpHeader)) return DropReason::kMalformed;
      const auto* u = header_at<UdpHeader>(frame, l4);
      uint32_t udp_len = u->length.host();
      if (udp_len < sizeof(UdpHeader) || (whole && udp_len > avail)) return DropReason::kMalformed;
      m.src_port = u->src_port;
      m.dst_port = u->dst_port;
      break;
    }
    case kProtoIcmp:
    case kProtoIcmpv6: {
      if ((m.l4_proto == kProtoIcmpv6) != ipv6) return DropReason::kNone;  // ICMP in v6 / v4: opaque
      if (avail < sizeof(IcmpHeader)) return DropReason::kMalformed;
      const auto* c = header_at<IcmpHeader>(frame, l4);
      m.type = c->type;
      m.code = c->code;
      bool echo = ipv6 ? (c->type == kIcmpv6EchoRequest || c->type == kIcmpv6EchoReply)
                       : (c->type == kIcmpEchoRequest || c->type == kIcmpEchoReply);
      if (echo) m.src_port = c->id;
      break;
    }
    default:
      return DropReason::kNone;  // other protocols: addresses and protocol only
  }
  m.flags |= meta_flags::kHasL4;
  return DropReason::kNone;
}

DropReason parse_arp(const uint8_t* frame, uint32_t off, uint32_t readable, PacketMeta& m) {
  if (readable - off < sizeof(ArpHeader)) return DropReason::kMalformed;
  const auto* a = header_at<ArpHeader>(frame, off);
  if (a->hw_type.host() != 1 || a->proto_type.host() != kEtherTypeIpv4 || a->hw_len != 6 ||
      a->proto_len != 4)
    return DropReason::kMalformed;
  uint16_t op = a->op.host();
  if (op != kArpRequest && op != kArpReply) return DropReason::kMalformed;
  m.kind = PacketKind::kArp;
  m.type = static_cast<uint8_t>(op);
  m.l3_length = sizeof(ArpHeader);
  m.src.words[0] = a->sender_ip.raw();
  m.dst.words[0] = a->target_ip.raw();
  return DropReason::kNone;
}

DropReason parse_ipv4(const uint8_t* frame, uint32_t off, uint32_t readable, uint32_t frame_len,
                      PacketMeta& m) {
  if (readable - off < sizeof(Ipv4Header)) return DropReason::kMalformed;
  const auto* ip = header_at<Ipv4Header>(frame, off);
  if ((ip->version_ihl >> 4) != 4) return DropReason::kMalformed;
  uint32_t header_len = (ip->version_ihl & 0x0f) * 4u;
  if (header_len < sizeof(Ipv4Header) || off + header_len > readable) return DropReason::kMalformed;
  uint32_t total = ip->total_length.host();
  if (total < header_len || off + total > frame_len) return DropReason::kMalformed;
  if (!ipv4_header_checksum_ok(ip, header_len)) return DropReason::kMalformed;

  m.kind = PacketKind::kIpv4;
  m.l3_length = static_cast<uint16_t>(total);
  m.ttl = ip->ttl;
  m.l4_proto = ip->protocol;
  m.src.words[0] = ip->src.raw();
  m.dst.words[0] = ip->dst.raw();
  if (header_len > sizeof(Ipv4Header)) m.flags |= meta_flags::kIpOptions;

  uint16_t frag = ip->frag.host();
  if (frag & kIpv4FlagDf) m.flags |= meta_flags::kDontFragment;
  uint32_t frag_offset = (frag & kIpv4OffsetMask) * 8u;
  bool more = frag & kIpv4FlagMf;
  m.frag_offset = static_cast<uint16_t>(frag_offset);
  if (frag_offset || more) {
    m.flags |= meta_flags::kFragment;
    m.frag_id = ip->id.host();
  }
  if (frag_offset != 0) {
    // An offset of 8 (RFC 1858's overlap attack on TCP flags) is parsed like
    // any other: after a whole first fragment it overlaps its header
    // (fragment_overlap); after a short one it completes the header, which
    // is then judged whole (meta_flags::kShortFirstFragment).
    m.l4_offset = static_cast<uint16_t>(off + header_len);  // its share of the datagram's payload
    return DropReason::kNone;  // non-first fragment: no upper-layer header here
  }
  if (more) m.flags |= meta_flags::kFirstFragment;
  uint32_t end = std::min(off + total, readable);
  return parse_l4(frame, off + header_len, end, !more, false, m);
}

DropReason parse_ipv6(const uint8_t* frame, uint32_t off, uint32_t readable, uint32_t frame_len,
                      PacketMeta& m) {
  if (readable - off < sizeof(Ipv6Header)) return DropReason::kMalformed;
  const auto* ip = header_at<Ipv6Header>(frame, off);
  if ((ip->vtc_flow.host() >> 28) != 6) return DropReason::kMalformed;
  uint32_t payload = ip->payload_length.host();
  if (payload == 0 && ip->next_header == kProtoHopByHop) return DropReason::kMalformed;  // jumbogram
  if (off + sizeof(Ipv6Header) + payload > frame_len) return DropReason::kMalformed;

  m.kind = PacketKind::kIpv6;
  m.l3_length = static_cast<uint16_t>(sizeof(Ipv6Header) + payload);
  m.ttl = ip->hop_limit;
  m.flags |= meta_flags::kDontFragment;  // routers never fragment IPv6
  std::memcpy(m.src.bytes, ip->src, 16);
  std::memcpy(m.dst.bytes, ip->dst, 16);

  uint32_t end = std::min<uint32_t>(off + sizeof(Ipv6Header) + payload, readable);
  uint32_t pos = off + sizeof(Ipv6Header);
  uint8_t next = ip->next_header;
  bool whole = true;
  for (int count = 0;; ++count) {
    uint32_t ext_len;
    switch (next) {
      case kProtoHopByHop:
        if (count != 0) return DropReason::kMalformed;  // RFC 8200 §4.1: only first
        [[fallthrough]];
      case kProtoRouting:
      case kProtoDestOpts:
      case kProtoAh: {
        if (end < pos + sizeof(Ipv6ExtensionHeader)) return DropReason::kMalformed;
        const auto* e = header_at<Ipv6ExtensionHeader>(frame, pos);
        ext_len = next == kProtoAh ? (e->length + 2u) * 4u : (e->length + 1u) * 8u;
        if (end < pos + ext_len) return DropReason::kMalformed;
        next = e->next_header;
        break;
      }
      case kProtoFragment: {
        if (end < pos + sizeof(Ipv6FragmentHeader)) return DropReason::kMalformed;
        const auto* f = header_at<Ipv6FragmentHeader>(frame, pos);
        uint16_t of = f->offset_flags.host();
        uint32_t frag_offset = (of >> 3) * 8u;
        bool more = of & 1;
        ext_len = sizeof(Ipv6FragmentHeader);
        next = f->next_header;
        if (frag_offset || more) {  // an atomic fragment (RFC 6946) is a whole packet
          m.flags |= meta_flags::kFragment;
          m.frag_offset = static_cast<uint16_t>(frag_offset);
          m.frag_id = f->id.host();
          if (frag_offset != 0) {
            m.flags |= meta_flags::kIpOptions;
            m.l4_proto = next;
            m.l4_offset = static_cast<uint16_t>(pos + ext_len);  // its share of the datagram's payload
            return DropReason::kNone;  // non-first fragment: no upper-layer header here
          }
          m.flags |= meta_flags::kFirstFragment;
          whole = false;
        }
        break;
      }
      default:
        m.l4_proto = next;
        if (next == kProtoNoNext) return DropReason::kNone;
        // RFC 7112: a first fragment must hold the whole header chain, which
        // parse_l4 enforces by requiring a complete upper-layer header.
        return parse_l4(frame, pos, end, whole, true, m);
    }
    if (count + 1 >= kMaxIpv6ExtensionHeaders) return DropReason::kMalformed;
    m.flags |= meta_flags::kIpOptions;
    pos += ext_len;
  }
}

}  // namespace

DropReason parse_frame(const uint8_t* frame, uint32_t readable, uint32_t frame_len, PacketMeta& m) {
  m = PacketMeta{};
  if (readable > frame_len) readable = frame_len;
  if (readable < sizeof(EthernetHeader)) return DropReason::kMalformed;
  uint32_t off = sizeof(EthernetHeader);
  uint16_t ether_type = header_at<EthernetHeader>(frame, 0)->ether_type.host();
  if (ether_type == kEtherTypeVlan) {
    if (readable < off + sizeof(VlanTag)) return DropReason::kMalformed;
    const auto* tag = header_at<VlanTag>(frame, off);
    m.flags |= meta_flags::kVlan;
    m.vlan_tci = tag->tci.host();
    ether_type = tag->ether_type.host();
    off += sizeof(VlanTag);
  }
  m.l3_offset = static_cast<uint16_t>(off);
  switch (ether_type) {
    case kEtherTypeArp: return parse_arp(frame, off, readable, m);
    case kEtherTypeIpv4: return parse_ipv4(frame, off, readable, frame_len, m);
    case kEtherTypeIpv6: return parse_ipv6(frame, off, readable, frame_len, m);
    default: return DropReason::kUnsupportedL2;  // includes stacked VLAN / QinQ tags
  }
}

}  // namespace vfpath
