#include "encap/encap_template.h"

#include <cstring>

#include "packet/checksum.h"
#include "packet/net_headers.h"
#include "encap/flow_hash.h"

namespace vfpath::encap {

using namespace wire;

namespace {

constexpr uint16_t kEthLen = sizeof(EthernetHeader);

bool options_valid(const std::vector<GeneveOptionSpec>& options, uint16_t& total) {
  total = 0;
  for (const auto& o : options) {
    if (o.data.size() % 4 != 0 || o.data.size() > kGeneveOptionLengthMask * 4u) return false;
    total = static_cast<uint16_t>(total + sizeof(GeneveOption) + o.data.size());
  }
  return total <= kMaxTemplateOptionBytes;
}

// Sum of the 16-bit words of a host-order 32-bit value (for checksums).
constexpr uint32_t words(uint32_t v) { return (v >> 16) + (v & 0xffff); }

// One's-complement sum of a 16-byte address, folded to 16 bits, host order.
// Summing native words and swapping the fold is the same sum (RFC 1071
// §2(B)); four 32-bit adds instead of checksum_partial's eight byte pairs.
inline uint32_t address_sum(const uint8_t* p) {
  uint32_t w[4];
  std::memcpy(w, p, 16);
  uint64_t s = uint64_t{w[0]} + w[1] + w[2] + w[3];
  s = (s & 0xffffffff) + (s >> 32);
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  return __builtin_bswap16(static_cast<uint16_t>(s));
}

}  // namespace

std::optional<EncapTemplate> EncapTemplate::build(const EncapSpec& spec) {
  uint16_t option_bytes = 0;
  if (spec.vni > kVniMax) return std::nullopt;
  if (spec.local.ipv6 && spec.udp_checksum == UdpChecksumMode::kZero) return std::nullopt;
  if (spec.type == TunnelType::kVxlan && !spec.geneve_options.empty()) return std::nullopt;
  if (!options_valid(spec.geneve_options, option_bytes)) return std::nullopt;

  EncapTemplate t;
  std::memset(t.bytes_, 0, sizeof t.bytes_);
  t.ipv6_ = spec.local.ipv6;
  t.type_ = spec.type;
  t.udp_mode_ = spec.udp_checksum;
  t.len_ = encap_overhead(t.ipv6_, option_bytes);

  auto* eth = reinterpret_cast<EthernetHeader*>(t.bytes_);
  std::memcpy(eth->dst, spec.next_hop_mac.bytes.data(), 6);
  std::memcpy(eth->src, spec.local_mac.bytes.data(), 6);
  eth->ether_type = be16::from_host(t.ipv6_ ? kEtherTypeIpv6 : kEtherTypeIpv4);

  uint8_t* l3 = t.bytes_ + kEthLen;
  if (t.ipv6_) {
    auto* ip = reinterpret_cast<Ipv6Header*>(l3);
    ip->vtc_flow = be32::from_host(6u << 28);  // flow label set per packet
    ip->next_header = kProtoUdp;
    ip->hop_limit = spec.ttl;
    std::memcpy(ip->src, spec.local.addr.bytes, 16);
    t.l4_offset_ = kEthLen + sizeof(Ipv6Header);
    t.pseudo_sum_ = checksum_partial(ip->src, 16, kProtoUdp);
  } else {
    auto* ip = reinterpret_cast<Ipv4Header*>(l3);
    ip->version_ihl = 0x45;
    ip->frag = be16::from_host(kIpv4FlagDf);  // never fragmented outside (DESIGN §7)
    ip->ttl = spec.ttl;
    ip->protocol = kProtoUdp;
    std::memcpy(&ip->src, spec.local.addr.bytes, 4);
    // total_length, id (RFC 6864 §4.1: any value for an atomic datagram), dst
    // and checksum are zero here; the per-packet words are added to this sum.
    t.ip_sum_ = checksum_partial(ip, sizeof(Ipv4Header));
    t.l4_offset_ = kEthLen + sizeof(Ipv4Header);
    t.pseudo_sum_ = checksum_partial(&ip->src, 4, kProtoUdp);
  }

  auto* udp = reinterpret_cast<UdpHeader*>(t.bytes_ + t.l4_offset_);
  uint16_t port = spec.udp_dst_port ? spec.udp_dst_port
                                    : (spec.type == TunnelType::kVxlan ? kUdpPortVxlan : kUdpPortGeneve);
  udp->dst_port = be16::from_host(port);

  uint8_t* tunnel = reinterpret_cast<uint8_t*>(udp + 1);
  if (spec.type == TunnelType::kVxlan) {
    auto* vx = reinterpret_cast<VxlanHeader*>(tunnel);
    vx->flags = kVxlanFlagI;
    vx->vni_reserved = vni_field(spec.vni);
  } else {
    auto* gn = reinterpret_cast<GeneveHeader*>(tunnel);
    gn->ver_opt_len = static_cast<uint8_t>(option_bytes / 4);  // version 0
    gn->protocol_type = be16::from_host(kEtherTypeTransparentBridging);
    gn->vni_reserved = vni_field(spec.vni);
    uint8_t* p = reinterpret_cast<uint8_t*>(gn + 1);
    for (const auto& o : spec.geneve_options) {
      auto* opt = reinterpret_cast<GeneveOption*>(p);
      opt->option_class = be16::from_host(o.option_class);
      opt->type = o.type;
      opt->length = static_cast<uint8_t>(o.data.size() / 4);
      if (o.type & kGeneveOptionCritical) gn->flags |= kGeneveFlagC;
      if (!o.data.empty()) std::memcpy(opt + 1, o.data.data(), o.data.size());
      p += sizeof(GeneveOption) + o.data.size();
    }
  }
  return t;
}

bool encapsulate(Frame& f, const EncapTemplate& t, const UnderlayIp& peer, uint32_t flow_hash) {
  const uint16_t n = t.len_;
  if (f.headroom < n || peer.ipv6 != t.ipv6_) [[unlikely]]
    return false;
  const uint32_t udp_len = f.frame_len + (n - t.l4_offset_);
  const uint32_t l3_len = udp_len + (t.l4_offset_ - kEthLen);
  if (l3_len > 0xffff) [[unlikely]]
    return false;
  if (t.udp_mode_ == UdpChecksumMode::kSoftware && !f.single_segment()) [[unlikely]]
    return false;

  f.move_start(n);
  uint8_t* out = f.data;
  std::memcpy(out, t.bytes_, n);
  auto* udp = reinterpret_cast<UdpHeader*>(out + t.l4_offset_);
  udp->src_port = be16::from_host(udp_source_port(flow_hash));
  udp->length = be16::from_host(static_cast<uint16_t>(udp_len));

  uint32_t pseudo = t.pseudo_sum_ + udp_len;
  if (t.ipv6_) {
    auto* ip = reinterpret_cast<Ipv6Header*>(out + kEthLen);
    ip->vtc_flow = be32::from_host(6u << 28 | ipv6_flow_label(flow_hash));
    ip->payload_length = be16::from_host(static_cast<uint16_t>(udp_len));
    std::memcpy(ip->dst, peer.addr.bytes, 16);
    pseudo += address_sum(peer.addr.bytes);
  } else {
    auto* ip = reinterpret_cast<Ipv4Header*>(out + kEthLen);
    ip->total_length = be16::from_host(static_cast<uint16_t>(l3_len));
    ip->dst = be32::from_raw(peer.addr.words[0]);
    uint32_t dst = ip->dst.host();
    ip->checksum = checksum_finish(t.ip_sum_ + l3_len + words(dst));
    pseudo += words(dst);
  }

  switch (t.udp_mode_) {
    case UdpChecksumMode::kZero:
      break;  // the template's zero
    case UdpChecksumMode::kOffload: {
      // Fold without inverting: the NIC adds the datagram and inverts.
      while (pseudo >> 16) pseudo = (pseudo & 0xffff) + (pseudo >> 16);
      udp->checksum = be16::from_host(static_cast<uint16_t>(pseudo));
      break;
    }
    case UdpChecksumMode::kSoftware: {
      be16 c = checksum_finish(checksum_partial(udp, udp_len, pseudo));
      // RFC 768: a computed zero is sent as all ones (zero means "none").
      udp->checksum = c.host() == 0 ? be16::from_host(0xffff) : c;
      break;
    }
  }
  return true;
}

}  // namespace vfpath::encap
