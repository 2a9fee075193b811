#include "packet/metadata_nat.h"

#include <cstring>

#include "packet/checksum.h"
#include "packet/net_headers.h"

namespace vfpath::metadata {
namespace {

constexpr uint8_t kServiceV6Bytes[16] = {0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54};
constexpr uint8_t kClientV6Bytes[12] = {0xfd, 0x00, 0x0e, 0xc2, 0xff, 0xff, 0, 0, 0, 0, 0, 0};

uint32_t host_part(uint32_t slot, uint32_t index) { return (slot % kMaxSlots) << 6 | (index % kMaxAddressIndex); }

}  // namespace

Ipv6Addr service_v6() { return Ipv6Addr::from(kServiceV6Bytes); }

Ipv4Addr client_v4(uint32_t slot, uint32_t index) { return Ipv4Addr::from_host(kClientV4Base | host_part(slot, index)); }

Ipv6Addr client_v6_prefix() {
  Ipv6Addr a;
  std::memcpy(a.bytes.data(), kClientV6Bytes, sizeof kClientV6Bytes);
  return a;
}

Ipv6Addr client_v6(uint32_t slot, uint32_t index) {
  Ipv6Addr a = client_v6_prefix();
  const be32 low = be32::from_host(host_part(slot, index));
  std::memcpy(a.bytes.data() + 12, &low, 4);
  return a;
}

bool is_service_request(const PacketMeta& m) {
  if (m.l4_proto != wire::kProtoTcp || !m.has(meta_flags::kHasL4) || m.has(meta_flags::kFragment) ||
      m.dst_port.host() != kServicePort)
    return false;
  if (m.kind == PacketKind::kIpv4) return std::memcmp(m.dst.bytes, &kServiceV4.value, 4) == 0;
  return m.kind == PacketKind::kIpv6 && std::memcmp(m.dst.bytes, kServiceV6Bytes, 16) == 0;
}

bool parse_tcp_packet(const uint8_t* ip, uint32_t len, TcpPacket& out) {
  if (len < sizeof(wire::Ipv4Header)) return false;
  uint32_t header = 0;
  if ((ip[0] >> 4) == 4) {
    const auto* h = reinterpret_cast<const wire::Ipv4Header*>(ip);
    header = (h->version_ihl & 0x0f) * 4u;
    out.v6 = false;
    out.length = h->total_length.host();
    if (header < sizeof(wire::Ipv4Header) || h->protocol != wire::kProtoTcp ||
        (h->frag.host() & (wire::kIpv4FlagMf | wire::kIpv4OffsetMask)) != 0)
      return false;
    std::memcpy(out.src, &h->src, 4);
    std::memcpy(out.dst, &h->dst, 4);
  } else if ((ip[0] >> 4) == 6) {
    if (len < sizeof(wire::Ipv6Header)) return false;
    const auto* h = reinterpret_cast<const wire::Ipv6Header*>(ip);
    header = sizeof(wire::Ipv6Header);
    out.v6 = true;
    out.length = header + h->payload_length.host();
    if (h->next_header != wire::kProtoTcp) return false;
    std::memcpy(out.src, h->src, 16);
    std::memcpy(out.dst, h->dst, 16);
  } else {
    return false;
  }
  if (out.length > len || out.length < header + sizeof(wire::TcpHeader)) return false;
  const auto* tcp = ip + header;
  return (tcp[12] >> 4) * 4u >= sizeof(wire::TcpHeader) && header + (tcp[12] >> 4) * 4u <= out.length;
}

bool rewrite_address(uint8_t* ip, uint32_t len, bool source, const uint8_t* addr) {
  TcpPacket p;
  if (!parse_tcp_packet(ip, len, p)) return false;
  if (!p.v6) {
    auto* h = reinterpret_cast<wire::Ipv4Header*>(ip);
    const uint32_t header = (h->version_ihl & 0x0f) * 4u;
    std::memcpy(source ? static_cast<void*>(&h->src) : static_cast<void*>(&h->dst), addr, 4);
    h->checksum = be16::from_host(0);
    ipv4_header_checksum_set(h, header);
    auto* tcp = reinterpret_cast<wire::TcpHeader*>(ip + header);
    tcp->checksum = be16::from_host(0);
    tcp->checksum = ipv4_l4_checksum(reinterpret_cast<const uint8_t*>(&h->src), reinterpret_cast<const uint8_t*>(&h->dst),
                                     wire::kProtoTcp, tcp, p.length - header);
    return true;
  }
  auto* h = reinterpret_cast<wire::Ipv6Header*>(ip);
  std::memcpy(source ? h->src : h->dst, addr, 16);
  auto* tcp = reinterpret_cast<wire::TcpHeader*>(h + 1);
  tcp->checksum = be16::from_host(0);
  tcp->checksum = ipv6_l4_checksum(h->src, h->dst, wire::kProtoTcp, tcp, p.length - sizeof(wire::Ipv6Header));
  return true;
}

bool client_of(const TcpPacket& p, uint32_t& slot, uint32_t& index) {
  uint32_t host;
  if (!p.v6) {
    be32 a;
    std::memcpy(&a, p.dst, 4);
    host = a.host();
    if ((host >> (32 - kClientV4PrefixLen)) != (kClientV4Base >> (32 - kClientV4PrefixLen))) return false;
    host &= (1u << (32 - kClientV4PrefixLen)) - 1;
  } else {
    if (std::memcmp(p.dst, kClientV6Bytes, sizeof kClientV6Bytes) != 0) return false;
    be32 a;
    std::memcpy(&a, p.dst + 12, 4);
    host = a.host();
  }
  if (host >= kMaxSlots << 6) return false;
  slot = host >> 6;
  index = host & (kMaxAddressIndex - 1);
  return true;
}

}  // namespace vfpath::metadata
