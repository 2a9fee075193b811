// Classification keys: what the fast path fills per packet and hands to
// classify() as an array of pointers.
//
// Layout is dictated by rte_acl: the first field must be 1 byte (it is
// consumed alone), every later field belongs to a 4-byte group read with one
// unaligned 32-bit load, so the two 16-bit ports share one group. All
// multi-byte fields are in NETWORK byte order, exactly as in the packet.
// Keys are packed: no padding to initialise, and field offsets are fixed.
#pragma once

#include <arpa/inet.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "acl/rule.h"

namespace acl {

// offsets: proto 0, src 1, dst 5, sport 9, dport 11; size 13.
struct __attribute__((packed)) Ipv4Key {
  uint8_t proto;
  uint32_t src;    // network order
  uint32_t dst;    // network order
  uint16_t sport;  // network order; ICMP type
  uint16_t dport;  // network order; ICMP code
};
static_assert(sizeof(Ipv4Key) == 13);
static_assert(offsetof(Ipv4Key, src) == 1 && offsetof(Ipv4Key, dst) == 5 &&
              offsetof(Ipv4Key, sport) == 9 && offsetof(Ipv4Key, dport) == 11);

// offsets: proto 0, src 1, dst 17, sport 33, dport 35; size 37.
struct __attribute__((packed)) Ipv6Key {
  uint8_t proto;
  uint8_t src[16];
  uint8_t dst[16];
  uint16_t sport;  // network order; ICMPv6 type
  uint16_t dport;  // network order; ICMPv6 code
};
static_assert(sizeof(Ipv6Key) == 37);
static_assert(offsetof(Ipv6Key, src) == 1 && offsetof(Ipv6Key, dst) == 17 &&
              offsetof(Ipv6Key, sport) == 33 && offsetof(Ipv6Key, dport) == 35);

// Builders from host-order values (tests, tools, control path).
inline Ipv4Key make_ipv4_key(uint32_t src_host, uint32_t dst_host,
                             uint16_t sport, uint16_t dport, uint8_t proto) {
  return Ipv4Key{proto, htonl(src_host), htonl(dst_host), htons(sport),
                 htons(dport)};
}

inline Ipv6Key make_ipv6_key(const Address& src, const Address& dst,
                             uint16_t sport, uint16_t dport, uint8_t proto) {
  Ipv6Key k{};
  k.proto = proto;
  std::memcpy(k.src, src.bytes.data(), 16);
  std::memcpy(k.dst, dst.bytes.data(), 16);
  k.sport = htons(sport);
  k.dport = htons(dport);
  return k;
}

}  // namespace acl
