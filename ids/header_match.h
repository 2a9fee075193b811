// The per-packet predicates that do not look at the payload: protocol,
// addresses, ports, flow direction/state, dsize, TCP flags. Fast path: no
// allocation, no branches on anything but the packet and the rule.
#pragma once

#include <cstring>

#include "ids/packet_view.h"
#include "ids/rule.h"

namespace vfpath::ids {

inline bool in_cidr(const Cidr& c, Family f, const uint8_t* a) noexcept {
  if (c.family != f) return false;
  const unsigned full = c.prefix_len / 8, rest = c.prefix_len % 8;
  if (std::memcmp(c.addr.data(), a, full) != 0) return false;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff00u >> rest);
  return (a[full] & mask) == c.addr[full];
}

inline bool address_matches(const AddressMatch& m, Family f, const uint8_t* a) noexcept {
  bool in = m.include.empty();
  for (const Cidr& c : m.include)
    if (in_cidr(c, f, a)) { in = true; break; }
  if (!in) return false;
  for (const Cidr& c : m.exclude)
    if (in_cidr(c, f, a)) return false;
  return true;
}

inline bool port_matches(const PortMatch& m, uint16_t p) noexcept {
  bool in = m.include.empty();
  for (const PortRange& r : m.include)
    if (p >= r.lo && p <= r.hi) { in = true; break; }
  if (!in) return false;
  for (const PortRange& r : m.exclude)
    if (p >= r.lo && p <= r.hi) return false;
  return true;
}

inline bool proto_matches(Proto p, uint8_t ip_proto) noexcept {
  switch (p) {
    case Proto::Ip: return true;
    case Proto::Tcp: return ip_proto == kIpProtoTcp;
    case Proto::Udp: return ip_proto == kIpProtoUdp;
    case Proto::Icmp: return ip_proto == kIpProtoIcmp || ip_proto == kIpProtoIcmpV6;  // as Suricata
  }
  return false;
}

inline bool dsize_matches(const Dsize& d, uint32_t len) noexcept {
  switch (d.op) {
    case Dsize::Op::Eq: return len == d.a;
    case Dsize::Op::Ne: return len != d.a;
    case Dsize::Op::Lt: return len < d.a;
    case Dsize::Op::Le: return len <= d.a;
    case Dsize::Op::Gt: return len > d.a;
    case Dsize::Op::Ge: return len >= d.a;
    case Dsize::Op::Range: return len > d.a && len < d.b;
  }
  return false;
}

inline bool flags_match(const TcpFlags& t, uint8_t pkt) noexcept {
  pkt &= t.keep;
  switch (t.mod) {
    case TcpFlags::Mod::Exact: return pkt == t.want;
    case TcpFlags::Mod::Plus: return (pkt & t.want) == t.want;
    case TcpFlags::Mod::Any: return (pkt & t.want) != 0;
    case TcpFlags::Mod::Not: return (pkt & t.want) != t.want;
  }
  return false;
}

// Everything of `r` except content and pcre.
inline bool header_matches(const Rule& r, const PacketView& p) noexcept {
  if (!proto_matches(r.proto, p.ip_proto)) return false;
  if (r.flow_dir == FlowDir::ToServer && !p.to_server) return false;
  if (r.flow_dir == FlowDir::ToClient && p.to_server) return false;
  if (r.flow_state == FlowState::Established && !p.established) return false;
  if (r.flow_state == FlowState::NotEstablished && p.established) return false;
  if (r.dsize && !dsize_matches(*r.dsize, p.dsize())) return false;
  if (r.flags && (p.ip_proto != kIpProtoTcp || !flags_match(*r.flags, p.tcp_flags))) return false;
  const bool fwd = address_matches(r.src, p.family, p.src) && address_matches(r.dst, p.family, p.dst) &&
                   port_matches(r.sport, p.sport) && port_matches(r.dport, p.dport);
  if (fwd || !r.bidirectional) return fwd;
  return address_matches(r.src, p.family, p.dst) && address_matches(r.dst, p.family, p.src) &&
         port_matches(r.sport, p.dport) && port_matches(r.dport, p.sport);
}

}  // namespace vfpath::ids
