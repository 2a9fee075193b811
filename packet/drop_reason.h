// Every way a packet can leave the pipeline without being delivered, in one
// vocabulary shared by every floor (the parser, conntrack, encap, the stages).
// Stable numbers: the number is what counters and telemetry export, so a
// reason is only ever appended, and a retired one keeps its number (its name
// becomes "retired_N"). The name is the counter label. Number and name live in
// one table (kDropReasons), checked at compile time so the two cannot drift.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
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
  kNdUnanswered = 8,       // NDP/MLD that needs no answer: DAD, MLD, NS for other targets, RS from a global address
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
  kIcmpUnrelated = 20,     // an ICMP error quoting no connection the zone tracks, and no rule allows it as ICMP
  kFragmentOrphan = 21,    // a non-first fragment whose first fragment was not seen and that could not be held
  kFragmentOverlap = 22,   // a fragment overlapping the first fragment's headers or a fragment held before it
  kHandoffFull = 23,       // the ring to the connection's owner worker was full
  kBadEncap = 24,          // on the uplink: not well-formed VXLAN/Geneve to our underlay address
  kBadVni = 25,            // encapsulated with a VNI no VPC has
  kNoMapping = 26,         // no mapping or route for the destination (or the inner source)
  kUnderlaySpoof = 27,     // outer source is not the host that owns the inner source
  kMtuExceeded = 28,       // too big for the underlay with DF set; ICMP frag-needed/PTB sent back
  kFragmentTimeout = 29,   // held for its first fragment (it came first), which did not come in time
  kFragmentHoldFull = 30,  // came before its first fragment, and the worker's or its ENI's hold was full
  kIdsDrop = 31,           // PREVENT: a drop rule matched it, or an earlier packet of its connection
  kIdsOutOfOrder = 32,     // PREVENT: a TCP segment beyond a hole in the stream (resent in order, it passes)
  kIdsOverlap = 33,        // PREVENT: a retransmitted TCP segment whose bytes differ from those inspected
  kIdsUninspected = 34,    // PREVENT: cannot be inspected (an IP fragment, no stream entry free, a failed scan)
  kPpsAllowanceExceeded = 35,        // over the ENI's packets-per-second allowance (sender's or receiver's)
  kBwInAllowanceExceeded = 36,       // over the receiving ENI's inbound bandwidth allowance
  kBwOutAllowanceExceeded = 37,      // over the sending ENI's outbound bandwidth allowance
  kLinkLocalAllowanceExceeded = 38,  // over 1024 pps to link-local services (169.254.0.0/16, fd00:ec2::/32, DHCP)
  kDhcpMalformed = 39,     // to the DHCP server port, but not a well-formed DHCP request
  kDhcpUnanswered = 40,    // a DHCP message that needs no answer (RELEASE, DECLINE, another server's, another NIC's)
  kMetadataDisabled = 41,  // to the instance metadata service of an ENI whose metadata_options say http_endpoint: disabled
  kMetadataUnavailable = 42,  // to the instance metadata service while it is not running, or its queue is full
  kCount                   // number of reasons; keep last
};

inline constexpr std::size_t kDropReasonCount = static_cast<std::size_t>(DropReason::kCount);

struct DropReasonName {
  DropReason reason;
  std::string_view name;
};

// Row i is reason i: drop_reason_name indexes it directly.
inline constexpr DropReasonName kDropReasons[] = {
  {DropReason::kNone, "none"},
  {DropReason::kMalformed, "malformed"},
  {DropReason::kUnsupportedL2, "unsupported_l2"},
  {DropReason::kSpoofedSrcMac, "spoofed_src_mac"},
  {DropReason::kSpoofedSrcIp, "spoofed_src_ip"},
  {DropReason::kArpSpoofed, "arp_spoofed"},
  {DropReason::kArpGratuitous, "arp_gratuitous"},
  {DropReason::kArpUnanswered, "arp_unanswered"},
  {DropReason::kNdUnanswered, "nd_unanswered"},
  {DropReason::kNoRoute, "no_route"},
  {DropReason::kTtlExceeded, "ttl_exceeded"},
  {DropReason::kNotToRouter, "not_to_router"},
  {DropReason::kToGateway, "to_gateway"},
  {DropReason::kUplinkUnhandled, "uplink_unhandled"},
  {DropReason::kTxFull, "tx_full"},
  {DropReason::kMultiSegment, "multi_segment"},
  {DropReason::kNaclDeny, "nacl_deny"},
  {DropReason::kSgDeny, "sg_deny"},
  {DropReason::kTcpInvalid, "tcp_invalid"},
  {DropReason::kConntrackFull, "conntrack_full"},
  {DropReason::kIcmpUnrelated, "icmp_unrelated"},
  {DropReason::kFragmentOrphan, "fragment_orphan"},
  {DropReason::kFragmentOverlap, "fragment_overlap"},
  {DropReason::kHandoffFull, "handoff_full"},
  {DropReason::kBadEncap, "bad_encap"},
  {DropReason::kBadVni, "bad_vni"},
  {DropReason::kNoMapping, "no_mapping"},
  {DropReason::kUnderlaySpoof, "underlay_spoof"},
  {DropReason::kMtuExceeded, "mtu_exceeded"},
  {DropReason::kFragmentTimeout, "fragment_timeout"},
  {DropReason::kFragmentHoldFull, "fragment_hold_full"},
  {DropReason::kIdsDrop, "ids_drop"},
  {DropReason::kIdsOutOfOrder, "ids_out_of_order"},
  {DropReason::kIdsOverlap, "ids_overlap"},
  {DropReason::kIdsUninspected, "ids_uninspected"},
  {DropReason::kPpsAllowanceExceeded, "pps_allowance_exceeded"},
  {DropReason::kBwInAllowanceExceeded, "bw_in_allowance_exceeded"},
  {DropReason::kBwOutAllowanceExceeded, "bw_out_allowance_exceeded"},
  {DropReason::kLinkLocalAllowanceExceeded, "linklocal_allowance_exceeded"},
  {DropReason::kDhcpMalformed, "dhcp_malformed"},
  {DropReason::kDhcpUnanswered, "dhcp_unanswered"},
  {DropReason::kMetadataDisabled, "metadata_disabled"},
  {DropReason::kMetadataUnavailable, "metadata_unavailable"},
};

namespace drop_reason_detail {
constexpr bool table_is_complete_and_ordered() {
  if (std::size(kDropReasons) != kDropReasonCount) return false;
  for (std::size_t i = 0; i < std::size(kDropReasons); ++i) {
    if (static_cast<std::size_t>(kDropReasons[i].reason) != i || kDropReasons[i].name.empty()) return false;
    for (std::size_t j = 0; j < i; ++j)
      if (kDropReasons[j].name == kDropReasons[i].name) return false;
  }
  return true;
}
}  // namespace drop_reason_detail
static_assert(drop_reason_detail::table_is_complete_and_ordered(),
              "kDropReasons must list every DropReason once, in number order, with a unique name");

constexpr std::string_view drop_reason_name(DropReason r) {
  const auto i = static_cast<std::size_t>(r);
  return i < kDropReasonCount ? kDropReasons[i].name : std::string_view("unknown");
}

}  // namespace vfpath
