// The classifier key of a parsed packet (acl/keys.h): addresses and ports as
// on the wire, ICMP type/code in the port fields, ports 0 without an L4
// header (protocols without ports). `reverse` builds the key of the opposite
// direction (a reply re-checked as its connection's original packet).
#pragma once

#include <arpa/inet.h>

#include <cstring>

#include "acl/keys.h"
#include "packet/net_headers.h"
#include "packet/packet_meta.h"

namespace vfpath {

template <typename Key>
inline void fill_acl_ports(const PacketMeta& m, bool reverse, Key& k) {
  if (!m.has(meta_flags::kHasL4)) {
    k.sport = k.dport = 0;
  } else if (m.l4_proto == wire::kProtoIcmp || m.l4_proto == wire::kProtoIcmpv6) {
    k.sport = htons(m.type);
    k.dport = htons(m.code);
  } else {
    k.sport = reverse ? m.dst_port.raw() : m.src_port.raw();
    k.dport = reverse ? m.src_port.raw() : m.dst_port.raw();
  }
}

inline const uint8_t* make_acl_key4(const PacketMeta& m, bool reverse, acl::Ipv4Key& k4) {
  k4.proto = m.l4_proto;
  k4.src = (reverse ? m.dst : m.src).words[0];
  k4.dst = (reverse ? m.src : m.dst).words[0];
  fill_acl_ports(m, reverse, k4);
  return reinterpret_cast<const uint8_t*>(&k4);
}

inline const uint8_t* make_acl_key6(const PacketMeta& m, bool reverse, acl::Ipv6Key& k6) {
  k6.proto = m.l4_proto;
  std::memcpy(k6.src, (reverse ? m.dst : m.src).bytes, 16);
  std::memcpy(k6.dst, (reverse ? m.src : m.dst).bytes, 16);
  fill_acl_ports(m, reverse, k6);
  return reinterpret_cast<const uint8_t*>(&k6);
}

// Fills k4 or k6 by family and returns the key's bytes for classify().
inline const uint8_t* make_acl_key(const PacketMeta& m, bool reverse, acl::Ipv4Key& k4, acl::Ipv6Key& k6) {
  return m.kind == PacketKind::kIpv6 ? make_acl_key6(m, reverse, k6) : make_acl_key4(m, reverse, k4);
}

}  // namespace vfpath
