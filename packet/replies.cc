#include "packet/replies.h"

#include <algorithm>
#include <cstring>

#include "packet/checksum.h"
#include "packet/net_headers.h"

namespace vfpath {

using namespace wire;

void build_arp_reply(Frame& f, const PacketMeta& m, const MacAddr& router_mac) {
  auto* a = reinterpret_cast<ArpHeader*>(f.data + m.l3_offset);
  be32 asked = a->target_ip;
  std::memcpy(a->target_mac, a->sender_mac, 6);
  a->target_ip = a->sender_ip;
  std::memcpy(a->sender_mac, router_mac.bytes.data(), 6);
  a->sender_ip = asked;
  a->op = be16::from_host(kArpReply);
}

bool build_neighbor_advert(Frame& f, PacketMeta& m, const MacAddr& router_mac) {
  constexpr uint16_t kIcmpLen = sizeof(NeighborMessage) + sizeof(LinkLayerAddressOption);
  constexpr uint16_t kL3Len = sizeof(Ipv6Header) + kIcmpLen;
  if (m.l3_offset + kL3Len > f.len + f.tailroom || !f.single_segment()) return false;
  auto* ip = reinterpret_cast<Ipv6Header*>(f.data + m.l3_offset);
  // The NS may carry extension headers; the NA is written without them.
  uint8_t target[16];
  std::memcpy(target, reinterpret_cast<const NeighborMessage*>(f.data + m.l4_offset)->target, 16);
  auto* na = reinterpret_cast<NeighborMessage*>(ip + 1);

  std::memcpy(ip->dst, ip->src, 16);  // the solicitor (never :: here: DAD is not answered)
  std::memcpy(ip->src, target, 16);
  ip->vtc_flow = be32::from_host(6u << 28);
  ip->payload_length = be16::from_host(kIcmpLen);
  ip->next_header = kProtoIcmpv6;
  ip->hop_limit = 255;  // RFC 4861 §7.1.2: receivers discard anything else
  na->type = kIcmpv6NeighborAdvert;
  na->code = 0;
  na->checksum = be16{};
  na->flags = be32::from_host(kNaFlagRouter | kNaFlagSolicited | kNaFlagOverride);
  auto* opt = reinterpret_cast<LinkLayerAddressOption*>(na + 1);
  opt->type = kNdOptTargetLinkAddr;
  opt->length = 1;
  std::memcpy(opt->mac, router_mac.bytes.data(), 6);
  na->checksum = ipv6_l4_checksum(ip->src, ip->dst, kProtoIcmpv6, na, kIcmpLen);

  f.set_length(static_cast<uint16_t>(m.l3_offset + kL3Len));
  m.l3_length = kL3Len;
  m.type = kIcmpv6NeighborAdvert;
  std::memcpy(m.src.bytes, ip->src, 16);
  std::memcpy(m.dst.bytes, ip->dst, 16);
  return true;
}

bool build_router_advert(Frame& f, PacketMeta& m, const MacAddr& router_mac, const Ipv6Addr& router_link_local,
                         const Ipv6Prefix& prefix, uint16_t mtu) {
  const uint16_t icmp_len = static_cast<uint16_t>(sizeof(RouterAdvert) + sizeof(LinkLayerAddressOption) +
                                                  (mtu ? sizeof(MtuOption) : 0) + sizeof(PrefixInfoOption));
  const uint16_t l3_len = static_cast<uint16_t>(sizeof(Ipv6Header) + icmp_len);
  if (m.l3_offset + l3_len > f.len + f.tailroom || !f.single_segment()) return false;
  auto* ip = reinterpret_cast<Ipv6Header*>(f.data + m.l3_offset);
  bool unspecified = true;
  for (int k = 0; k < 16; ++k) unspecified &= ip->src[k] == 0;
  if (unspecified) {
    static constexpr uint8_t kAllNodes[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    std::memcpy(ip->dst, kAllNodes, 16);
  } else {
    std::memcpy(ip->dst, ip->src, 16);
  }
  std::memcpy(ip->src, router_link_local.bytes.data(), 16);
  ip->vtc_flow = be32::from_host(6u << 28);
  ip->payload_length = be16::from_host(icmp_len);
  ip->next_header = kProtoIcmpv6;
  ip->hop_limit = 255;
  auto* ra = reinterpret_cast<RouterAdvert*>(ip + 1);
  *ra = RouterAdvert{};
  ra->type = kIcmpv6RouterAdvert;
  ra->cur_hop_limit = 64;
  ra->flags = 0x80;  // M: addresses by DHCPv6 (the ENI's), as EC2 does
  ra->router_lifetime = be16::from_host(1800);
  uint8_t* at = reinterpret_cast<uint8_t*>(ra + 1);
  auto* sll = reinterpret_cast<LinkLayerAddressOption*>(at);
  sll->type = 1;  // source link-layer address
  sll->length = 1;
  std::memcpy(sll->mac, router_mac.bytes.data(), 6);
  at += sizeof(LinkLayerAddressOption);
  if (mtu) {
    auto* o = reinterpret_cast<MtuOption*>(at);
    *o = MtuOption{5, 1, be16{}, be32::from_host(mtu)};
    at += sizeof(MtuOption);
  }
  auto* pio = reinterpret_cast<PrefixInfoOption*>(at);
  *pio = PrefixInfoOption{};
  pio->type = 3;
  pio->length = 4;
  pio->prefix_length = prefix.len;
  pio->flags = 0x80;  // on-link; not autonomous
  pio->valid_lifetime = be32::from_host(0xffffffffu);
  pio->preferred_lifetime = be32::from_host(0xffffffffu);
  std::memcpy(pio->prefix, prefix.addr.bytes.data(), 16);
  ra->checksum = ipv6_l4_checksum(ip->src, ip->dst, kProtoIcmpv6, ra, icmp_len);

  f.set_length(static_cast<uint16_t>(m.l3_offset + l3_len));
  m.l3_length = l3_len;
  m.type = kIcmpv6RouterAdvert;
  std::memcpy(m.src.bytes, ip->src, 16);
  std::memcpy(m.dst.bytes, ip->dst, 16);
  return true;
}

void build_echo_reply(Frame& f, PacketMeta& m) {
  uint8_t* l3 = f.data + m.l3_offset;
  auto* icmp = reinterpret_cast<IcmpHeader*>(f.data + m.l4_offset);
  be16 old_word = be16::from_host(static_cast<uint16_t>(icmp->type << 8 | icmp->code));
  if (m.kind == PacketKind::kIpv4) {
    auto* ip = reinterpret_cast<Ipv4Header*>(l3);
    std::swap(ip->src, ip->dst);
    ip->ttl = 64;
    ipv4_header_checksum_set(ip, (ip->version_ihl & 0x0f) * 4u);
    icmp->type = kIcmpEchoReply;
  } else {
    auto* ip = reinterpret_cast<Ipv6Header*>(l3);
    uint8_t tmp[16];
    std::memcpy(tmp, ip->src, 16);
    std::memcpy(ip->src, ip->dst, 16);
    std::memcpy(ip->dst, tmp, 16);
    ip->hop_limit = 64;
    icmp->type = kIcmpv6EchoReply;
  }
  // Swapping addresses leaves the pseudo-header sum unchanged; only the type moved.
  be16 new_word = be16::from_host(static_cast<uint16_t>(icmp->type << 8 | icmp->code));
  icmp->checksum = checksum_adjust(icmp->checksum, old_word, new_word);
  std::swap(m.src, m.dst);
  m.type = icmp->type;
  if (f.single_segment()) f.set_length(static_cast<uint16_t>(m.l3_offset + m.l3_length));  // drop padding
}

bool icmp_error_allowed(const PacketMeta& m) {
  if (m.has(meta_flags::kFragment) && !m.has(meta_flags::kFirstFragment)) return false;
  if (m.kind == PacketKind::kIpv4) {
    uint32_t src = m.src4().host();
    if (src == 0 || (src >> 28) == 0xe || src == 0xffffffffu) return false;
    if (m.l4_proto == kProtoIcmp && m.has(meta_flags::kHasL4) && m.type != kIcmpEchoRequest &&
        m.type != kIcmpEchoReply)
      return false;  // an ICMP error or informational message other than echo
    return true;
  }
  Ipv6Addr src = m.src6();
  if (src.is_unspecified() || src.is_multicast()) return false;
  if (m.l4_proto == kProtoIcmpv6 && m.has(meta_flags::kHasL4) && m.type < 128) return false;
  return true;
}

bool build_icmp_error(Frame& f, PacketMeta& m, const uint8_t* router_ip, uint8_t type, uint8_t code,
                      uint32_t word) {
  const bool v4 = m.kind == PacketKind::kIpv4;
  const uint16_t overhead = v4 ? kIcmpv4ErrorOverhead : kIcmpv6ErrorOverhead;
  const uint32_t max_l3 = v4 ? 576 : 1280;
  if (f.headroom < overhead + 4u) return false;  // room for a VLAN tag too
  if (m.l3_offset > f.len) return false;
  const uint32_t quotable = std::min<uint32_t>(m.l3_length, f.len - m.l3_offset);
  const uint16_t quote = static_cast<uint16_t>(std::min<uint32_t>(quotable, max_l3 - overhead));
  uint8_t* old_l3 = f.data + m.l3_offset;
  uint8_t* l3 = old_l3 - overhead;
  auto* icmp = reinterpret_cast<IcmpHeader*>(old_l3 - sizeof(IcmpHeader));
  const uint16_t l3_len = static_cast<uint16_t>(overhead + quote);
  const be16 hi = be16::from_host(static_cast<uint16_t>(word >> 16));
  const be16 lo = be16::from_host(static_cast<uint16_t>(word));
  if (v4) {
    const be32 dst = reinterpret_cast<const Ipv4Header*>(old_l3)->src;
    auto* ip = reinterpret_cast<Ipv4Header*>(l3);
    ip->version_ihl = 0x45;
    ip->tos = 0;
    ip->total_length = be16::from_host(l3_len);
    ip->id = be16{};
    ip->frag = be16{};
    ip->ttl = 64;
    ip->protocol = kProtoIcmp;
    std::memcpy(&ip->src, router_ip, 4);
    ip->dst = dst;
    ipv4_header_checksum_set(ip, sizeof(Ipv4Header));
    *icmp = IcmpHeader{type, code, be16{}, hi, lo};
    icmp->checksum = checksum_finish(checksum_partial(icmp, sizeof(IcmpHeader) + quote));
  } else {
    uint8_t dst[16];
    std::memcpy(dst, reinterpret_cast<const Ipv6Header*>(old_l3)->src, 16);
    auto* ip = reinterpret_cast<Ipv6Header*>(l3);
    ip->vtc_flow = be32::from_host(6u << 28);
    ip->payload_length = be16::from_host(static_cast<uint16_t>(sizeof(IcmpHeader) + quote));
    ip->next_header = kProtoIcmpv6;
    ip->hop_limit = 64;
    std::memcpy(ip->src, router_ip, 16);
    std::memcpy(ip->dst, dst, 16);
    *icmp = IcmpHeader{type, code, be16{}, hi, lo};
    icmp->checksum = ipv6_l4_checksum(ip->src, ip->dst, kProtoIcmpv6, icmp, sizeof(IcmpHeader) + quote);
  }
  f.move_start(overhead);
  f.set_length(static_cast<uint16_t>(m.l3_offset + l3_len));
  std::memcpy(m.dst.bytes, m.src.bytes, 16);
  std::memset(m.src.bytes, 0, 16);
  std::memcpy(m.src.bytes, router_ip, v4 ? 4 : 16);
  m.l3_length = l3_len;
  m.l4_offset = static_cast<uint16_t>(m.l3_offset + overhead - sizeof(IcmpHeader));
  m.l4_proto = v4 ? kProtoIcmp : kProtoIcmpv6;
  m.type = type;
  m.code = code;
  m.ttl = 64;
  m.flags = static_cast<uint8_t>((m.flags & meta_flags::kVlan) | meta_flags::kHasL4 |
                                 (v4 ? 0 : meta_flags::kDontFragment));
  m.src_port = be16{};
  m.dst_port = be16{};
  m.frag_offset = 0;
  return true;
}

bool build_time_exceeded(Frame& f, PacketMeta& m, const uint8_t* router_ip) {
  return m.kind == PacketKind::kIpv4 ? build_icmp_error(f, m, router_ip, kIcmpTimeExceeded, 0, 0)
                                     : build_icmp_error(f, m, router_ip, kIcmpv6TimeExceeded, 0, 0);
}

}  // namespace vfpath
