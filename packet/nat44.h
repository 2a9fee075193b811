// 1:1 NAT of an IPv4 packet in place, as EC2 translates Elastic IPs:
// stateless, one address for another. `source`: the source is rewritten
// (egress, private -> public), else the destination (ingress, public ->
// private). The IPv4 header checksum and a TCP/UDP checksum are adjusted
// incrementally (RFC 1624; a UDP checksum of 0, "none", stays 0). For an
// ICMP error the quoted packet is the same flow seen the other way, so its
// other end is translated too — its destination on egress, its source on
// ingress — with its header checksum, its TCP/UDP checksum when the quote
// holds it, and the ICMP checksum over all of it: a path-MTU error from
// beyond the gateway reaches the VM quoting the VM's own packet.
// A non-first fragment carries no transport header: only its IP header
// changes (the first fragment's transport checksum covers the addresses).
#pragma once

#include "packet/addr.h"
#include "packet/frame.h"
#include "packet/packet_meta.h"

namespace vfpath {

// False (nothing changed) when `m` is not IPv4, or an ICMP error whose
// quoted IPv4 header is not whole in the frame.
bool nat44_rewrite(Frame& f, const PacketMeta& m, bool source, Ipv4Addr to);

// An ICMPv4 error (destination unreachable, source quench, redirect, time
// exceeded, parameter problem): a message that quotes a packet.
bool is_icmp4_error(const PacketMeta& m);

}  // namespace vfpath
