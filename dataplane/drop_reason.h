// Every way a packet can leave the pipeline without being delivered. One enum,
// stable numbers: the number is what counters and telemetry export, so a
// reason is only ever appended, and a retired one keeps its number (its name
// becomes "retired_N"). The name is the counter label.
#pragma once

#include <cstdint>
#include <string_view>

namespace vfpath {

enum class DropReason : uint8_t {
  kNone = 0,               // not dropped
  kMalformed = 1,          // truncated or inconsistent headers (parser)
  kUnsupportedL2 = 2,      // not ARP/IPv4/IPv6, or stacked VLAN tags
  kSpoofedSrcMac = 3,      // frame on an ENI port from a MAC (and VLAN) no ENI of it owns
  kSpoofedSrcIp = 4,       // IP source not one of the ENI's addresses
  kArpSpoofed = 5,         // ARP whose sender MAC/IP is not the ENI's
  kArpGratuitous = 6,      // gratuitous ARP (announcing an address)
  kArpUnanswered = 7,      // ARP that needs no answer: replies, probes, off-subnet targets
  kNdUnanswered = 8,       // NDP/MLD that needs no answer: DAD, RS, MLD, NS for other targets
  kNoRoute = 9,            // destination not a local ENI of the VPC, and no underlay configured
  kTtlExceeded = 10,       // TTL/hop limit reached zero; ICMP time exceeded sent back
  kNotToRouter = 11,       // unicast frame not addressed to the VPC router's MAC
  kToGateway = 12,         // addressed to the gateway but not an echo request
  kUplinkUnhandled = 13,   // arrived on an uplink port that is not the underlay's
  kTxFull = 14,            // the output queue was full
  kMultiSegment = 15,      // a reply or VLAN tag did not fit the first buffer
  kNaclDeny = 16,          // a network ACL entry (or its implicit deny) denied it
  kSgDeny = 17,            // no security-group rule allows the first packet of a connection
  kTcpInvalid = 18,        // a TCP segment the connection's state does not admit (window, flags)
  kConntrackFull = 19,     // a new connection over the table capacity or the ENI's allowance
  kIcmpUnrelated = 20,     // an ICMP error that quotes no tracked connection
  kFragmentOrphan = 21,    // a non-first fragment whose first fragment was not seen (or timed out)
  kFragmentOverlap = 22,   // a non-first fragment overlapping the first fragment's headers
  kHandoffFull = 23,       // the ring to the connection's owner worker was full
  kBadEncap = 24,          // on the uplink: not well-formed VXLAN/Geneve to our underlay address
  kBadVni = 25,            // encapsulated with a VNI no VPC has
  kNoMapping = 26,         // no mapping or route for the destination (or the inner source)
  kUnderlaySpoof = 27,     // outer source is not the host that owns the inner source
  kMtuExceeded = 28,       // too big for the underlay with DF set; ICMP frag-needed/PTB sent back
  kCount                   // number of reasons; keep last
};

inline constexpr std::size_t kDropReasonCount = static_cast<std::size_t>(DropReason::kCount);

constexpr std::string_view drop_reason_name(DropReason r) {
  switch (r) {
    case DropReason::kNone: return "none";
    case DropReason::kMalformed: return "malformed";
    case DropReason::kUnsupportedL2: return "unsupported_l2";
    case DropReason::kSpoofedSrcMac: return "spoofed_src_mac";
    case DropReason::kSpoofedSrcIp: return "spoofed_src_ip";
    case DropReason::kArpSpoofed: return "arp_spoofed";
    case DropReason::kArpGratuitous: return "arp_gratuitous";
    case DropReason::kArpUnanswered: return "arp_unanswered";
    case DropReason::kNdUnanswered: return "nd_unanswered";
    case DropReason::kNoRoute: return "no_route";
    case DropReason::kTtlExceeded: return "ttl_exceeded";
    case DropReason::kNotToRouter: return "not_to_router";
    case DropReason::kToGateway: return "to_gateway";
    case DropReason::kUplinkUnhandled: return "uplink_unhandled";
    case DropReason::kTxFull: return "tx_full";
    case DropReason::kMultiSegment: return "multi_segment";
    case DropReason::kNaclDeny: return "nacl_deny";
    case DropReason::kSgDeny: return "sg_deny";
    case DropReason::kTcpInvalid: return "tcp_invalid";
    case DropReason::kConntrackFull: return "conntrack_full";
    case DropReason::kIcmpUnrelated: return "icmp_unrelated";
    case DropReason::kFragmentOrphan: return "fragment_orphan";
    case DropReason::kFragmentOverlap: return "fragment_overlap";
    case DropReason::kHandoffFull: return "handoff_full";
    case DropReason::kBadEncap: return "bad_encap";
    case DropReason::kBadVni: return "bad_vni";
    case DropReason::kNoMapping: return "no_mapping";
    case DropReason::kUnderlaySpoof: return "underlay_spoof";
    case DropReason::kMtuExceeded: return "mtu_exceeded";
    case DropReason::kCount: break;
  }
  return "unknown";
}

}  // namespace vfpath
