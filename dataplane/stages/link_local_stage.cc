// The VM's link-local services, before anti-spoofing (a DHCP client has no
// address yet): traffic to them (169.254.0.0/16, fd00:ec2::/32, DHCP)
// spends the ENI's link-local allowance, EC2's 1024 packets per second
// (`linklocal_allowance_exceeded`); and the VPC's DHCPv4 server
// (packet/dhcp.h): a VM's DHCP request (UDP to port 67) is answered in
// place with its ENI's one static lease — OFFER, ACK or NAK — and goes back
// to the ENI as a reply. DHCPv6 likewise (packet/dhcp6.h): SOLICIT ->
// ADVERTISE (REPLY with rapid commit), REQUEST/RENEW/REBIND -> REPLY with
// the ENI's primary IPv6 in an IA_NA, from the router's link-local address. The lease: the ENI's primary IPv4, the subnet's
// mask and gateway (router and server id), the VPC's DNS servers and
// domain, the overlay's inner MTU, the ENI id as hostname, one hour.
// Instance metadata (packet/metadata_nat.h): a TCP segment to
// 169.254.169.254:80 or [fd00:ec2::254]:80 from one of the ENI's own
// addresses leaves the pipeline as kToMetadata, cut to its IP packet with
// its source translated to the ENI's client address; the worker queues it
// for the metadata service. No security group or NACL applies to it (EC2).
// Drops: metadata_disabled (the ENI's http_endpoint is disabled),
// metadata_unavailable (no service running), spoofed (a source that is not
// the ENI's), multi_segment (a chained frame).
// Drops: dhcp_malformed (not a well-formed DHCP request), dhcp_unanswered
// (RELEASE, DECLINE, a request for another server, a client hardware
// address that is not the ENI's, an ENI without IPv4), multi_segment (no
// room in the buffer for the reply).
#include <cstring>

#include "dataplane/allowance.h"
#include "dataplane/stages/eni_addresses.h"
#include "packet/checksum.h"
#include "packet/dhcp.h"
#include "packet/dhcp6.h"
#include "packet/metadata_nat.h"
#include "packet/net_headers.h"
#include "dataplane/stages/stages.h"

namespace vfpath {
namespace {

constexpr BucketConfig kLinkLocal{kLinkLocalPps, 256};

// To the VPC's link-local services: 169.254.0.0/16, fd00:ec2::/32, DHCP
// and DHCPv6.
bool link_local(const PacketMeta& m) {
  if (m.kind == PacketKind::kIpv4)
    return (m.dst.bytes[0] == 169 && m.dst.bytes[1] == 254) ||
           (m.l4_proto == wire::kProtoUdp && m.dst_port.host() == wire::kDhcpServerPort);
  return m.kind == PacketKind::kIpv6 &&
         ((m.dst.bytes[0] == 0xfd && m.dst.bytes[1] == 0x00 && m.dst.bytes[2] == 0x0e && m.dst.bytes[3] == 0xc2) ||
          (m.l4_proto == wire::kProtoUdp && m.dst_port.host() == kDhcp6ServerPort));
}

// A whole UDP datagram of `kind` to `port` (DHCP's and DHCPv6's requests).
bool udp_to(const PacketMeta& m, PacketKind kind, uint16_t port) {
  return m.kind == kind && m.l4_proto == wire::kProtoUdp && m.has(meta_flags::kHasL4) &&
         !m.has(meta_flags::kFragment) && m.dst_port.host() == port;
}

// The UDP payload's offset and its end (bounded by the frame and the IP
// length); false when the header does not fit.
bool udp_payload(const Frame& f, const PacketMeta& m, uint32_t& begin, uint32_t& end) {
  end = std::min<uint32_t>(f.len, static_cast<uint32_t>(m.l3_offset) + m.l3_length);
  begin = m.l4_offset + sizeof(wire::UdpHeader);
  return begin <= end;
}

// DHCPv6: the reply goes from the router's link-local address to the
// client's, UDP 547 -> 546, in place of the request.
DropReason answer6(Frame& f, PacketMeta& m, const Snapshot& s, const Dhcp6Lease& lease) {
  if (lease.address.is_unspecified()) return DropReason::kDhcpUnanswered;
  uint32_t payload, l3_end;
  if (!udp_payload(f, m, payload, l3_end)) return DropReason::kDhcpMalformed;
  Dhcp6Request r;
  // The reply is written over the request: keep what it echoes.
  uint8_t request[1500];
  const uint32_t n_req = std::min<uint32_t>(l3_end - payload, sizeof request);
  std::memcpy(request, f.data + payload, n_req);
  if (parse_dhcp6_request(request, n_req, r) != Dhcp6Parse::kOk) return DropReason::kDhcpMalformed;
  const Dhcp6Type type = dhcp6_reply_type(r, lease);
  if (type == Dhcp6Type::kNone) return DropReason::kDhcpUnanswered;
  auto* ip = reinterpret_cast<wire::Ipv6Header*>(f.data + m.l3_offset);
  const Ipv6Addr client = m.src6();
  if (!client.is_link_local()) return DropReason::kDhcpUnanswered;  // clients send from their link-local address
  uint8_t* body = reinterpret_cast<uint8_t*>(ip + 1) + sizeof(wire::UdpHeader);
  const size_t room = f.len + f.tailroom - (body - f.data);
  if (!f.single_segment() || room < kMaxDhcp6Reply) return DropReason::kMultiSegment;
  const size_t n = build_dhcp6_reply(body, room, r, lease, type);
  if (n == 0) return DropReason::kMultiSegment;
  const uint16_t udp_len = static_cast<uint16_t>(sizeof(wire::UdpHeader) + n);
  ip->vtc_flow = be32::from_host(6u << 28);
  ip->payload_length = be16::from_host(udp_len);
  ip->next_header = wire::kProtoUdp;
  ip->hop_limit = 255;
  std::memcpy(ip->dst, client.bytes.data(), 16);
  std::memcpy(ip->src, s.router_link_local.bytes.data(), 16);
  auto* udp = reinterpret_cast<wire::UdpHeader*>(ip + 1);
  udp->src_port = be16::from_host(kDhcp6ServerPort);
  udp->dst_port = be16::from_host(kDhcp6ClientPort);
  udp->length = be16::from_host(udp_len);
  udp->checksum = be16::from_host(0);
  const be16 sum = ipv6_l4_checksum(ip->src, ip->dst, wire::kProtoUdp, udp, udp_len);
  udp->checksum = sum.raw() == 0 ? be16::from_host(0xffff) : sum;  // 0 is not allowed over IPv6
  f.set_length(static_cast<uint16_t>((body - f.data) + n));
  m.l3_length = static_cast<uint16_t>(sizeof(wire::Ipv6Header) + udp_len);
  m.l4_offset = static_cast<uint16_t>(m.l3_offset + sizeof(wire::Ipv6Header));
  std::memcpy(m.src.bytes, ip->src, 16);
  std::memcpy(m.dst.bytes, ip->dst, 16);
  return DropReason::kNone;
}

DropReason answer(Frame& f, PacketMeta& m, const EniEntry& eni, const DhcpLease& lease) {
  if (lease.address.value.raw() == 0) return DropReason::kDhcpUnanswered;
  uint32_t payload, l3_end;
  if (!udp_payload(f, m, payload, l3_end)) return DropReason::kDhcpMalformed;
  DhcpRequest r;
  if (parse_dhcp_request(f.data + payload, l3_end - payload, r) != DhcpParse::kOk) return DropReason::kDhcpMalformed;
  if (std::memcmp(r.chaddr, eni.mac.bytes.data(), 6) != 0) return DropReason::kDhcpUnanswered;  // for another NIC
  const DhcpDecision d = decide_dhcp(r, lease);
  if (d.reply == DhcpType::kNone) return DropReason::kDhcpUnanswered;
  // Rewritten in place after the L2 header: IPv4 (no options), UDP, BOOTP.
  uint8_t* ip = f.data + m.l3_offset;
  uint8_t* bootp = ip + sizeof(wire::Ipv4Header) + sizeof(wire::UdpHeader);
  const size_t room = f.len + f.tailroom - (bootp - f.data);
  if (!f.single_segment() || room < kMaxDhcpReply) return DropReason::kMultiSegment;
  const size_t n = build_dhcp_reply(bootp, room, r, lease, d.reply);
  if (n == 0) return DropReason::kMultiSegment;
  const uint16_t udp_len = static_cast<uint16_t>(sizeof(wire::UdpHeader) + n);
  auto* udp = reinterpret_cast<wire::UdpHeader*>(ip + sizeof(wire::Ipv4Header));
  udp->src_port = be16::from_host(wire::kDhcpServerPort);
  udp->dst_port = be16::from_host(wire::kDhcpClientPort);
  udp->length = be16::from_host(udp_len);
  udp->checksum = be16::from_host(0);
  auto* h = reinterpret_cast<wire::Ipv4Header*>(ip);
  h->version_ihl = 0x45;
  h->tos = 0;
  h->total_length = be16::from_host(static_cast<uint16_t>(sizeof(wire::Ipv4Header) + udp_len));
  h->id = be16::from_host(0);
  h->frag = be16::from_host(0);
  h->ttl = 64;
  h->protocol = wire::kProtoUdp;
  h->src = lease.router.value;
  h->dst = d.broadcast ? be32::from_host(0xffffffffu) : d.to.value;
  h->checksum = be16::from_host(0);
  ipv4_header_checksum_set(h, sizeof(wire::Ipv4Header));
  be16 c = ipv4_l4_checksum(reinterpret_cast<const uint8_t*>(&h->src), reinterpret_cast<const uint8_t*>(&h->dst),
                            wire::kProtoUdp, udp, udp_len);
  if (c.raw() == 0) c = be16::from_host(0xffff);  // 0 means "none" in UDP over IPv4
  udp->checksum = c;
  f.set_length(static_cast<uint16_t>((bootp - f.data) + n));
  m.l3_length = h->total_length.host();
  m.l4_offset = static_cast<uint16_t>(m.l3_offset + sizeof(wire::Ipv4Header));
  return DropReason::kNone;
}

DropReason to_metadata(Frame& f, PacketMeta& m, const EniEntry& eni, bool service_running) {
  if (!eni.metadata.enabled) return DropReason::kMetadataDisabled;
  if (!service_running) return DropReason::kMetadataUnavailable;
  const int index = m.kind == PacketKind::kIpv4 ? address_index(eni, m.src4()) : address_index(eni, m.src6());
  if (index < 0 || static_cast<uint32_t>(index) >= metadata::kMaxAddressIndex) return DropReason::kSpoofedSrcIp;
  if (!f.single_segment()) return DropReason::kMultiSegment;
  const uint32_t l3_end = static_cast<uint32_t>(m.l3_offset) + m.l3_length;
  if (l3_end > f.len) return DropReason::kMalformed;
  uint8_t* ip = f.data + m.l3_offset;
  bool ok;
  if (m.kind == PacketKind::kIpv4) {
    const Ipv4Addr client = metadata::client_v4(eni.counter_slot, static_cast<uint32_t>(index));
    ok = metadata::rewrite_address(ip, m.l3_length, true, reinterpret_cast<const uint8_t*>(&client.value));
  } else {
    const Ipv6Addr client = metadata::client_v6(eni.counter_slot, static_cast<uint32_t>(index));
    ok = metadata::rewrite_address(ip, m.l3_length, true, client.bytes.data());
  }
  if (!ok) return DropReason::kMalformed;
  // The service gets the IP packet alone: no Ethernet padding, no L2 header.
  f.set_length(static_cast<uint16_t>(l3_end));
  f.move_start(-static_cast<int>(m.l3_offset));
  return DropReason::kNone;
}

}  // namespace

void link_local_stage(Burst& b, const Snapshot& s, PipelineContext& ctx) {
  const uint64_t t = ctx.now_us();
  for (uint16_t i = 0; i < b.count; ++i) {
    Verdict& v = b.verdict[i];
    PacketMeta& m = b.meta[i];
    if (!b.undecided(i) || !link_local(m) || v.in_eni >= s.enis.size()) continue;
    if (ctx.allowance.shared && !ctx.handed_off &&
        !spend(ctx.allowance, s.enis[v.in_eni].counter_slot, Allowance::kLinkLocal, 1, kLinkLocal, t)) {
      v.drop_with(DropReason::kLinkLocalAllowanceExceeded);
      continue;
    }
    DropReason r;
    if (metadata::is_service_request(m)) {
      r = to_metadata(b.frames[i], m, s.enis[v.in_eni], ctx.metadata_running);
      if (r != DropReason::kNone) {
        v.drop_with(r);
        continue;
      }
      v.action = Action::kToMetadata;
      continue;
    }
    if (udp_to(m, PacketKind::kIpv4, wire::kDhcpServerPort) && v.in_eni < s.eni_dhcp.size())
      r = answer(b.frames[i], m, s.enis[v.in_eni], s.eni_dhcp[v.in_eni]);
    else if (udp_to(m, PacketKind::kIpv6, kDhcp6ServerPort) && v.in_eni < s.eni_dhcp6.size())
      r = answer6(b.frames[i], m, s, s.eni_dhcp6[v.in_eni]);
    else continue;
    if (r != DropReason::kNone) {
      v.drop_with(r);
      continue;
    }
    v.action = Action::kReply;
    v.out_eni = v.in_eni;
  }
}

}  // namespace vfpath
