// What the parser learns about a frame, read by every later stage so that no
// stage parses again. 64 bytes, one cache line per packet.
//
// Offsets (bytes): 0 l3_offset, 2 l4_offset, 4 l3_length, 6 vlan_tci,
// 8 kind, 9 l4_proto, 10 flags, 11 ttl, 12 tcp_flags, 13 type, 14 code,
// 16 src_port, 18 dst_port, 20 frag_offset, 24 src, 40 dst, 56 frag_id, 60 pad.
#pragma once

#include <cstdint>

#include "packet/addr.h"
#include "packet/big_endian.h"

namespace vfpath {

enum class PacketKind : uint8_t { kOther = 0, kArp = 1, kIpv4 = 2, kIpv6 = 3 };

namespace meta_flags {
inline constexpr uint8_t kVlan = 0x01;          // one 802.1Q tag present
inline constexpr uint8_t kFragment = 0x02;      // part of a fragmented datagram (not atomic)
inline constexpr uint8_t kFirstFragment = 0x04; // offset 0 of a fragmented datagram
inline constexpr uint8_t kHasL4 = 0x08;         // l4_offset points at a complete L4 header
inline constexpr uint8_t kDontFragment = 0x10;  // IPv4 DF (IPv6: always treated as set)
inline constexpr uint8_t kIpOptions = 0x20;     // IPv4 options or IPv6 extension headers
// An IPv4 first fragment too short for its TCP header (no kHasL4): judged
// once later fragments complete the header (dataplane/fragment_hold.h).
inline constexpr uint8_t kShortFirstFragment = 0x40;
}  // namespace meta_flags

struct alignas(64) PacketMeta {
  uint16_t l3_offset;     // start of ARP/IP header in the frame
  uint16_t l4_offset;     // start of the upper-layer header (a non-first fragment: of its data); 0 when none
  uint16_t l3_length;     // IP total length from the header (ARP: 28)
  uint16_t vlan_tci;      // host order; valid with kVlan
  PacketKind kind;
  uint8_t l4_proto;       // upper-layer protocol after the extension chain
  uint8_t flags;          // meta_flags
  uint8_t ttl;            // TTL / hop limit
  uint8_t tcp_flags;
  uint8_t type;           // ICMP/ICMPv6 type; ARP: the opcode (1 request, 2 reply)
  uint8_t code;           // ICMP/ICMPv6 code
  uint8_t reserved0;
  be16 src_port;          // TCP/UDP ports; ICMP echo: the identifier in src_port, 0 in dst_port
  be16 dst_port;
  uint16_t frag_offset;   // in bytes, host order
  uint16_t reserved1;
  IpAddr src;             // IPv4 in the first 4 bytes; ARP: sender protocol address
  IpAddr dst;             // ARP: target protocol address
  uint32_t frag_id;       // fragments: the IP identification (IPv4 16 bits, IPv6 32), host order
  uint8_t reserved2[4];

  bool has(uint8_t f) const { return (flags & f) != 0; }
  Ipv4Addr src4() const { return Ipv4Addr{be32::from_raw(src.words[0])}; }
  Ipv4Addr dst4() const { return Ipv4Addr{be32::from_raw(dst.words[0])}; }
  Ipv6Addr src6() const { return Ipv6Addr::from(src.bytes); }
  Ipv6Addr dst6() const { return Ipv6Addr::from(dst.bytes); }
};
static_assert(sizeof(PacketMeta) == 64);

}  // namespace vfpath
