#include "conntrack/related.h"

#include <algorithm>
#include <cstring>

#include "packet/net_headers.h"
#include "packet/parser.h"

namespace vfpath::ct {
namespace {

using namespace wire;

// The quoted upper layer at `p` (`avail` bytes): ports or the echo id.
bool quoted_l4(uint8_t family, uint8_t proto, const uint8_t* p, uint32_t avail, uint16_t zone, const IpAddr& src,
               const IpAddr& dst, KeyResult& out) {
  const uint8_t icmp = family == 4 ? kProtoIcmp : kProtoIcmpv6;
  if (proto == kProtoTcp || proto == kProtoUdp) {
    if (avail < 4) return false;
    be16 sport, dport;
    std::memcpy(&sport, p, 2);
    std::memcpy(&dport, p + 2, 2);
    out = make_key(zone, family, proto, src, dst, sport, dport, false);
    return true;
  }
  if (proto == icmp) {
    if (avail < sizeof(IcmpHeader)) return false;
    const auto* c = reinterpret_cast<const IcmpHeader*>(p);
    if (!is_icmp_echo(family, c->type)) return false;  // an error about an error, or untracked ICMP
    out = make_key(zone, family, proto, src, dst, c->id, be16{}, true);
    return true;
  }
  out = make_key(zone, family, proto, src, dst, be16{}, be16{}, false);
  return true;
}

bool quoted_ipv4(const uint8_t* p, uint32_t avail, uint16_t zone, KeyResult& out) {
  if (avail < sizeof(Ipv4Header)) return false;
  const auto* ip = reinterpret_cast<const Ipv4Header*>(p);
  if ((ip->version_ihl >> 4) != 4) return false;
  uint32_t hl = (ip->version_ihl & 0x0f) * 4u;
  if (hl < sizeof(Ipv4Header) || hl > avail) return false;
  IpAddr src{}, dst{};
  src.words[0] = ip->src.raw();
  dst.words[0] = ip->dst.raw();
  bool ported = ip->protocol == kProtoTcp || ip->protocol == kProtoUdp || ip->protocol == kProtoIcmp;
  if ((ip->frag.host() & kIpv4OffsetMask) != 0 && ported) return false;  // no upper-layer header quoted
  return quoted_l4(4, ip->protocol, p + hl, avail - hl, zone, src, dst, out);
}

bool quoted_ipv6(const uint8_t* p, uint32_t avail, uint16_t zone, KeyResult& out) {
  if (avail < sizeof(Ipv6Header)) return false;
  const auto* ip = reinterpret_cast<const Ipv6Header*>(p);
  if ((ip->vtc_flow.host() >> 28) != 6) return false;
  IpAddr src{}, dst{};
  std::memcpy(src.bytes, ip->src, 16);
  std::memcpy(dst.bytes, ip->dst, 16);
  uint32_t pos = sizeof(Ipv6Header);
  uint8_t next = ip->next_header;
  for (int count = 0; count < kMaxIpv6ExtensionHeaders; ++count) {
    switch (next) {
      case kProtoHopByHop:
      case kProtoRouting:
      case kProtoDestOpts:
      case kProtoAh: {
        if (avail < pos + sizeof(Ipv6ExtensionHeader)) return false;
        const auto* e = reinterpret_cast<const Ipv6ExtensionHeader*>(p + pos);
        uint32_t len = next == kProtoAh ? (e->length + 2u) * 4u : (e->length + 1u) * 8u;
        next = e->next_header;
        pos += len;
        break;
      }
      case kProtoFragment: {
        if (avail < pos + sizeof(Ipv6FragmentHeader)) return false;
        const auto* f = reinterpret_cast<const Ipv6FragmentHeader*>(p + pos);
        if ((f->offset_flags.host() >> 3) != 0) return false;  // non-first: no upper layer
        next = f->next_header;
        pos += sizeof(Ipv6FragmentHeader);
        break;
      }
      case kProtoNoNext:
        return false;
      default:
        if (pos > avail) return false;
        return quoted_l4(6, next, p + pos, avail - pos, zone, src, dst, out);
    }
  }
  return false;  // too many extension headers
}

}  // namespace

bool related_key(const uint8_t* frame, uint32_t readable, const PacketMeta& m, uint16_t zone, KeyResult& out) {
  out = KeyResult{};
  if (!m.has(meta_flags::kHasL4)) return false;
  const uint32_t l3_end = std::min<uint32_t>(static_cast<uint32_t>(m.l3_offset) + m.l3_length, readable);
  const uint32_t quote = static_cast<uint32_t>(m.l4_offset) + sizeof(IcmpHeader);
  if (quote >= l3_end) return false;
  const uint8_t* p = frame + quote;
  const uint32_t avail = l3_end - quote;
  bool ok = m.kind == PacketKind::kIpv4 ? quoted_ipv4(p, avail, zone, out) : quoted_ipv6(p, avail, zone, out);
  if (ok) out.status = KeyStatus::kOk;
  return ok;
}

}  // namespace vfpath::ct
