#include "encap/mtu.h"

#include <algorithm>
#include <cstring>

#include "packet/checksum.h"
#include "packet/net_headers.h"
#include "packet/replies.h"

namespace vfpath::encap {

using namespace wire;

namespace {

// Length of the options of `hdr` (IPv4 header of `hlen` bytes) to repeat in
// every fragment after the first: those with the copy flag (RFC 791 §3.1),
// written to `out`, padded to 4 bytes. -1 when the options are malformed.
int copied_options(const uint8_t* hdr, uint32_t hlen, uint8_t* out) {
  uint32_t n = 0;
  for (uint32_t i = sizeof(Ipv4Header); i < hlen;) {
    uint8_t type = hdr[i];
    if (type == 0) break;  // end of option list
    if (type == 1) {       // no-operation
      ++i;
      continue;
    }
    if (i + 1 >= hlen) return -1;
    uint8_t len = hdr[i + 1];
    if (len < 2 || i + len > hlen) return -1;
    if (type & 0x80) {
      std::memcpy(out + n, hdr + i, len);
      n += len;
    }
    i += len;
  }
  while (n % 4) out[n++] = 0;
  return static_cast<int>(n);
}

}  // namespace

bool build_frag_needed(Frame& f, PacketMeta& m, const uint8_t* router_ip, uint16_t mtu) {
  if (m.kind != PacketKind::kIpv4) return false;
  return build_icmp_error(f, m, router_ip, kIcmpDestUnreachable, 4, mtu);
}

bool build_packet_too_big(Frame& f, PacketMeta& m, const uint8_t* router_ip, uint32_t mtu) {
  if (m.kind != PacketKind::kIpv6) return false;
  return build_icmp_error(f, m, router_ip, kIcmpv6PacketTooBig, 0, mtu);
}

int fragment_ipv4(const Frame& in, const PacketMeta& m, uint16_t mtu, std::span<Frame> out) {
  if (m.kind != PacketKind::kIpv4 || m.has(meta_flags::kDontFragment) || mtu < kIpv4MinMtu) return 0;
  if (!in.single_segment() || uint32_t{m.l3_offset} + m.l3_length > in.len) return 0;
  const uint8_t* l2 = in.data;
  const uint8_t* l3 = in.data + m.l3_offset;
  const auto* ip = reinterpret_cast<const Ipv4Header*>(l3);
  const uint32_t hlen = (ip->version_ihl & 0x0f) * 4u;
  const uint32_t payload = m.l3_length - hlen;
  uint8_t later_options[40];
  const int later_opt_len = copied_options(l3, hlen, later_options);
  if (later_opt_len < 0) return 0;
  const uint32_t later_hlen = sizeof(Ipv4Header) + later_opt_len;
  const uint16_t frag = ip->frag.host();
  const uint32_t base_offset = (frag & kIpv4OffsetMask) * 8u;
  const bool base_more = frag & kIpv4FlagMf;

  uint32_t done = 0;
  int count = 0;
  while (done < payload) {
    const uint32_t h = count == 0 ? hlen : later_hlen;
    if (mtu < h + 8) return 0;
    uint32_t chunk = payload - done;
    const bool last = h + chunk <= mtu;
    if (!last) chunk = (mtu - h) & ~7u;
    if (count == static_cast<int>(out.size())) return 0;
    Frame& o = out[count];
    const uint32_t frame_len = m.l3_offset + h + chunk;
    if (frame_len > uint32_t{o.len} + o.tailroom) return 0;
    std::memcpy(o.data, l2, m.l3_offset);
    uint8_t* oh = o.data + m.l3_offset;
    if (count == 0) {
      std::memcpy(oh, l3, hlen);
    } else {
      std::memcpy(oh, l3, sizeof(Ipv4Header));
      std::memcpy(oh + sizeof(Ipv4Header), later_options, later_opt_len);
      oh[0] = static_cast<uint8_t>(0x40 | h / 4);
    }
    std::memcpy(oh + h, l3 + hlen + done, chunk);
    auto* fh = reinterpret_cast<Ipv4Header*>(oh);
    fh->total_length = be16::from_host(static_cast<uint16_t>(h + chunk));
    const uint32_t offset = base_offset + done;
    const bool more = last ? base_more : true;
    fh->frag = be16::from_host(static_cast<uint16_t>((offset / 8) | (more ? kIpv4FlagMf : 0)));
    ipv4_header_checksum_set(fh, h);
    o.set_length(static_cast<uint16_t>(frame_len));
    done += chunk;
    ++count;
  }
  return count;
}

}  // namespace vfpath::encap
