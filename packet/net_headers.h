// Wire formats, exactly as on the wire: packed, big-endian fields typed as
// such, sizes asserted. Read them only after checking the packet is long enough
// (see parser.cc); they are never used to allocate or own memory.
#pragma once

#include <cstdint>

#include "packet/big_endian.h"

namespace vfpath::wire {

inline constexpr uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr uint16_t kEtherTypeArp = 0x0806;
inline constexpr uint16_t kEtherTypeVlan = 0x8100;
inline constexpr uint16_t kEtherTypeQinQ = 0x88a8;
inline constexpr uint16_t kEtherTypeIpv6 = 0x86dd;

inline constexpr uint8_t kProtoHopByHop = 0;
inline constexpr uint8_t kProtoIcmp = 1;
inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;
inline constexpr uint8_t kProtoRouting = 43;
inline constexpr uint8_t kProtoFragment = 44;
inline constexpr uint8_t kProtoEsp = 50;
inline constexpr uint8_t kProtoAh = 51;
inline constexpr uint8_t kProtoIcmpv6 = 58;
inline constexpr uint8_t kProtoNoNext = 59;
inline constexpr uint8_t kProtoDestOpts = 60;

struct __attribute__((packed)) EthernetHeader {  // 14 bytes
  uint8_t dst[6];
  uint8_t src[6];
  be16 ether_type;
};
static_assert(sizeof(EthernetHeader) == 14);

struct __attribute__((packed)) VlanTag {  // follows the source MAC
  be16 tci;                               // PCP:3 DEI:1 VID:12
  be16 ether_type;                        // of what follows the tag
};
static_assert(sizeof(VlanTag) == 4);

struct __attribute__((packed)) ArpHeader {  // Ethernet/IPv4 ARP only (RFC 826)
  be16 hw_type;                             // 1
  be16 proto_type;                          // 0x0800
  uint8_t hw_len;                           // 6
  uint8_t proto_len;                        // 4
  be16 op;                                  // 1 request, 2 reply
  uint8_t sender_mac[6];
  be32 sender_ip;
  uint8_t target_mac[6];
  be32 target_ip;
};
static_assert(sizeof(ArpHeader) == 28);
inline constexpr uint16_t kArpRequest = 1;
inline constexpr uint16_t kArpReply = 2;

struct __attribute__((packed)) Ipv4Header {  // options follow when ihl > 5
  uint8_t version_ihl;
  uint8_t tos;
  be16 total_length;
  be16 id;
  be16 frag;  // flags:3 (reserved, DF, MF) offset:13 in 8-byte units
  uint8_t ttl;
  uint8_t protocol;
  be16 checksum;
  be32 src;
  be32 dst;
};
static_assert(sizeof(Ipv4Header) == 20);
inline constexpr uint16_t kIpv4FlagDf = 0x4000;
inline constexpr uint16_t kIpv4FlagMf = 0x2000;
inline constexpr uint16_t kIpv4OffsetMask = 0x1fff;

struct __attribute__((packed)) Ipv6Header {
  be32 vtc_flow;  // version:4 traffic class:8 flow label:20
  be16 payload_length;
  uint8_t next_header;
  uint8_t hop_limit;
  uint8_t src[16];
  uint8_t dst[16];
};
static_assert(sizeof(Ipv6Header) == 40);

struct __attribute__((packed)) Ipv6ExtensionHeader {  // hop-by-hop, routing, dest opts
  uint8_t next_header;
  uint8_t length;  // in 8-byte units, not counting the first 8 (AH: 4-byte units, minus 2)
};
static_assert(sizeof(Ipv6ExtensionHeader) == 2);

struct __attribute__((packed)) Ipv6FragmentHeader {
  uint8_t next_header;
  uint8_t reserved;
  be16 offset_flags;  // offset:13 (8-byte units) reserved:2 M:1
  be32 id;
};
static_assert(sizeof(Ipv6FragmentHeader) == 8);

struct __attribute__((packed)) TcpHeader {  // options follow when data offset > 5
  be16 src_port;
  be16 dst_port;
  be32 seq;
  be32 ack;
  uint8_t data_offset;  // high nibble, in 4-byte words
  uint8_t flags;        // CWR ECE URG ACK PSH RST SYN FIN
  be16 window;
  be16 checksum;
  be16 urgent;
};
static_assert(sizeof(TcpHeader) == 20);

struct __attribute__((packed)) UdpHeader {
  be16 src_port;
  be16 dst_port;
  be16 length;
  be16 checksum;
};
static_assert(sizeof(UdpHeader) == 8);

// ICMP and ICMPv6 share this 8-byte layout: type, code, checksum and a 4-byte
// field that is (id, sequence) for echo, the MTU for "too big", unused otherwise.
struct __attribute__((packed)) IcmpHeader {
  uint8_t type;
  uint8_t code;
  be16 checksum;
  be16 id;
  be16 sequence;
};
static_assert(sizeof(IcmpHeader) == 8);

inline constexpr uint8_t kIcmpEchoReply = 0;
inline constexpr uint8_t kIcmpDestUnreachable = 3;
inline constexpr uint8_t kIcmpEchoRequest = 8;
inline constexpr uint8_t kIcmpTimeExceeded = 11;

inline constexpr uint8_t kIcmpv6DestUnreachable = 1;
inline constexpr uint8_t kIcmpv6PacketTooBig = 2;
inline constexpr uint8_t kIcmpv6TimeExceeded = 3;
inline constexpr uint8_t kIcmpv6EchoRequest = 128;
inline constexpr uint8_t kIcmpv6EchoReply = 129;
inline constexpr uint8_t kIcmpv6RouterSolicit = 133;
inline constexpr uint8_t kIcmpv6NeighborSolicit = 135;
inline constexpr uint8_t kIcmpv6NeighborAdvert = 136;

// Neighbour solicitation/advertisement body after the 4-byte ICMPv6 header
// (RFC 4861 §4.3/4.4); link-layer address options follow.
struct __attribute__((packed)) NeighborMessage {
  uint8_t type;
  uint8_t code;
  be16 checksum;
  be32 flags;  // NA: R S O in the top bits; NS: reserved
  uint8_t target[16];
};
static_assert(sizeof(NeighborMessage) == 24);
inline constexpr uint32_t kNaFlagRouter = 0x80000000u;
inline constexpr uint32_t kNaFlagSolicited = 0x40000000u;
inline constexpr uint32_t kNaFlagOverride = 0x20000000u;

// Router advertisement body after the 4-byte ICMPv6 header (RFC 4861 §4.2).
struct __attribute__((packed)) RouterAdvert {
  uint8_t type;
  uint8_t code;
  be16 checksum;
  uint8_t cur_hop_limit;
  uint8_t flags;           // M 0x80, O 0x40
  be16 router_lifetime;    // seconds
  be32 reachable_time;     // ms, 0: unspecified
  be32 retrans_timer;      // ms, 0: unspecified
};
static_assert(sizeof(RouterAdvert) == 16);
inline constexpr uint8_t kIcmpv6RouterAdvert = 134;

struct __attribute__((packed)) MtuOption {  // RFC 4861 §4.6.4
  uint8_t type;                             // 5
  uint8_t length;                           // 1
  be16 reserved;
  be32 mtu;
};
static_assert(sizeof(MtuOption) == 8);

struct __attribute__((packed)) PrefixInfoOption {  // RFC 4861 §4.6.2
  uint8_t type;                                    // 3
  uint8_t length;                                  // 4
  uint8_t prefix_length;
  uint8_t flags;                                   // L 0x80 (on-link), A 0x40 (autonomous)
  be32 valid_lifetime;
  be32 preferred_lifetime;
  be32 reserved;
  uint8_t prefix[16];
};
static_assert(sizeof(PrefixInfoOption) == 32);

struct __attribute__((packed)) LinkLayerAddressOption {  // RFC 4861 §4.6.1
  uint8_t type;                                          // 1 source, 2 target
  uint8_t length;                                        // 1 (8 bytes)
  uint8_t mac[6];
};
static_assert(sizeof(LinkLayerAddressOption) == 8);
inline constexpr uint8_t kNdOptSourceLinkAddr = 1;
inline constexpr uint8_t kNdOptTargetLinkAddr = 2;

}  // namespace vfpath::wire
