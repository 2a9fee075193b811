// Replies the VPC router builds in place, in the buffer of the request, so
// answering costs no buffer allocation. Each leaves `f.data + m.l3_offset` at
// the reply's L3 header and the reply's length in `f`; the L2 header in front
// is written by the L2 rewrite stage like any forwarded packet's.
//
// Contract for all: `m` describes `f` as parsed; the caller checked the
// request is one this function answers (kind, type). A function returning bool
// returns false when the reply cannot be built (no headroom, or a packet that
// must not be answered) and leaves `f` unchanged.
#pragma once

#include "packet/addr.h"
#include "packet/frame.h"
#include "packet/packet_meta.h"

namespace vfpath {

// ARP request -> reply "`m.dst` (the target) is at `router_mac`".
void build_arp_reply(Frame& f, const PacketMeta& m, const MacAddr& router_mac);

// Neighbour solicitation -> solicited advertisement for the target of the
// NS, with `router_mac` as the target link-layer address and the R, S, O flags.
bool build_neighbor_advert(Frame& f, PacketMeta& m, const MacAddr& router_mac);

// Echo request to one of the router's addresses -> echo reply from it.
// Turns a router solicitation into the router's advertisement (RFC 4861
// §6.2.6), from `router_link_local` to the solicitor (all-nodes when it
// has no address yet), hop limit 255: the router's link-layer address, the
// link `mtu` when not 0, and `prefix` as on-link only (L=1, A=0: addresses
// are the ENI's, assigned, never autoconfigured; M=1: by DHCPv6). False when the
// buffer has no room.
bool build_router_advert(Frame& f, PacketMeta& m, const MacAddr& router_mac, const Ipv6Addr& router_link_local,
                         const Ipv6Prefix& prefix, uint16_t mtu);

void build_echo_reply(Frame& f, PacketMeta& m);

// True when RFC 1812 §4.3.2.7 / RFC 4443 §2.4(e) allow an ICMP error about
// this packet: not about an ICMP error, a non-first fragment, or a packet from
// an unspecified, multicast or broadcast source.
bool icmp_error_allowed(const PacketMeta& m);

// An ICMP (IPv4) or ICMPv6 error of `type`/`code` from `router_ip` (4 or 16
// bytes) back to the sender, with `word` as the message's second 32-bit word
// (0 "unused", or the next-hop MTU), quoting as much of the packet as fits
// in 576 (IPv4) or 1280 (IPv6) bytes. Written in front of the quoted packet;
// the metadata then describes the error. The caller checked
// icmp_error_allowed.
bool build_icmp_error(Frame& f, PacketMeta& m, const uint8_t* router_ip, uint8_t type, uint8_t code,
                      uint32_t word);

// "Time exceeded in transit" (ICMP 11/0, ICMPv6 3/0).
bool build_time_exceeded(Frame& f, PacketMeta& m, const uint8_t* router_ip);

// Headroom an ICMP error needs in front of the quoted packet, L2 excluded.
inline constexpr uint16_t kIcmpv4ErrorOverhead = 20 + 8;
inline constexpr uint16_t kIcmpv6ErrorOverhead = 40 + 8;

}  // namespace vfpath
