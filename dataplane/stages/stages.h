// The stages of the ENI-port pipeline (VM -> appliance), in the order
// run_eni_pipeline (pipeline.h) calls them. Each takes the whole burst, looks
// only at packets still undecided, and reads the metadata the parser wrote.
// All are allocation-free, lock-free and never throw; `s` is the snapshot in
// force for this burst and outlives the call.
#pragma once

#include "dataplane/burst.h"
#include "dataplane/pipeline.h"
#include "dataplane/snapshot.h"
#include "encap/mapping_table.h"

namespace vfpath {

// An ENI of this snapshot (not kNoEni, kRouterEni or kUplinkEni).
inline bool is_local_eni(const Snapshot& s, uint16_t eni) { return eni < s.enis.size(); }

// Parses every frame into b.meta; drops malformed and non-IP/ARP frames.
void parse_stage(Burst& b);

// Attributes each frame to the ENI that owns (port, VLAN, source MAC); a frame
// no ENI owns is `spoofed_src_mac`. Unicast IP frames must be addressed to the
// router's MAC (`not_to_router`).
void eni_stage(Burst& b, const Snapshot& s);

// The router's neighbour answers: ARP and IPv6 ND are answered (proxy for the
// whole subnet, the gateway included) or dropped with the reason; a router
// solicitation gets the router's advertisement (the subnet's prefix on-link
// only, the link MTU); MLD is absorbed (`nd_unanswered`).
void neighbor_stage(Burst& b, const Snapshot& s);

// IP source must be one of the ENI's addresses (IPv6 link-local and :: are
// allowed, they are never routed), unless source/dest check is off.
void anti_spoof_stage(Burst& b, const Snapshot& s);

// The VM's link-local services (link_local_stage.cc): the link-local allowance
// (`linklocal_allowance_exceeded`), and the VPC's DHCPv4 server: a request
// is answered in place with the ENI's static lease (kReply);
// `dhcp_malformed`, `dhcp_unanswered`; and the instance metadata service's
// requests (kToMetadata); `metadata_disabled`, `metadata_unavailable`.
void link_local_stage(Burst& b, const Snapshot& s, PipelineContext& ctx);

// Per-ENI allowances (allowance_stage.cc): from the VM, its pps and
// bandwidth-out tokens, before everything after the neighbour stage
// (`pps_allowance_exceeded`, `bw_out_allowance_exceeded`); to a local ENI,
// after policy, its pps and bandwidth-in tokens (`bw_in_allowance_exceeded`,
// charged to it).
void allowance_egress_stage(Burst& b, const Snapshot& s, PipelineContext& ctx);
void allowance_ingress_stage(Burst& b, const Snapshot& s, PipelineContext& ctx);

// With several workers: an IP packet whose connection another worker owns
// (by the symmetric hash of its addresses, or of the addresses an ICMP error
// quotes) becomes kHandoff, untouched, before the route stage changes it.
void handoff_stage(Burst& b, PipelineContext& ctx);
// The worker that owns the connection of the IP packet `m` (offsets from
// `data`, `len` bytes readable); handoff_stage's rule, for overlay_decap_stage.
uint32_t connection_owner(const uint8_t* data, uint32_t len, const PacketMeta& m, const PipelineContext& ctx);

// The VPC router: echo to a router address is answered; a destination owned
// by an ENI of the same VPC is forwarded with TTL/hop limit decremented, or
// answered with ICMP time exceeded; with an underlay, a destination of the
// VPC on another host likewise, to kUplinkEni (resolve_remote); anything
// else is `no_route`. Writes `routes` for the stages after it.
void route_stage(Burst& b, const Snapshot& s, RouteResults& routes);

// The internet gateway (internet_stage.cc): Elastic IPs, 1:1 NAT. On the
// gateway's port: ARP for associated public addresses answered (kReply to
// kInternetEni), IPv4 to one translated to its private address and
// forwarded to its ENI; else no_route, arp_unanswered. Egress, last before
// L2: packets to kInternetEni get their public source and the gateway's
// Ethernet header.
void internet_ingress_stage(Burst& b, const Snapshot& s, const PipelineContext& ctx, RouteResults& routes);
void internet_egress_stage(Burst& b, const Snapshot& s);

// Overlay, the routing half of egress, for a destination no local ENI owns
// (s.overlay set): the owner of m.dst in the ENI's VPC from the mapping table
// (host mapping, else the longest route) into `peer`. kNoRoute when the VPC
// is not on the overlay, kNoMapping when the table has neither. Sets
// `peer_subnet` (the destination's subnet) when the ENI's subnet has a NACL.
DropReason resolve_remote(const Snapshot& s, const EniEntry& eni, uint16_t eni_index, const PacketMeta& m,
                          encap::Mapping& peer, uint16_t& peer_subnet);

// Overlay egress, after the policy stages: every packet forwarded to
// kUplinkEni gets the inner L2 header (to the peer's MAC, from the router's),
// the MTU check — too big with DF (and all IPv6): ICMP fragmentation needed /
// packet too big with the inner MTU back to the VM, counted `mtu_exceeded`;
// IPv4 without DF: fragmented into `spares` (null: none lent, `mtu_exceeded`) — and the VPC's outer headers to
// the peer's underlay address (routes.peer). With UDP checksum offload, the
// verdict (or spares.offload) says what the port must finish.
void overlay_encap_stage(Burst& b, const Snapshot& s, const RouteResults& routes, SpareFrames* spares);

// On the uplink port (s.overlay set), after parse_stage: ARP requests and
// neighbour solicitations for our underlay addresses are answered with the
// underlay MAC (kReply to kUplinkEni, L2 written); other ARP is
// `arp_unanswered`, other ND/MLD `nd_unanswered`.
void underlay_neighbor_stage(Burst& b, const Snapshot& s);

// Overlay ingress, on the uplink port (s.overlay set), after parse_stage:
// validated decapsulation (encap/decap.h) — `bad_encap`, `bad_vni`,
// `no_mapping` (inner destination not a local ENI of the VNI's VPC),
// `underlay_spoof` (outer source not the owner of the inner source) — then the
// outer headers go and the inner packet continues to its ENI (kForward) with
// its own metadata. Encapsulated ARP is `bad_encap` and ND/MLD
// `nd_unanswered`: every host's router answers those itself. The TTL is not
// decremented here: the sending host's router did, once.
// With several workers, a valid packet whose inner connection another worker
// owns becomes kHandoff before the outer headers go (the owner decapsulates
// it again). Writes routes.peer_subnet (the inner source's subnet) for NACLs.
void overlay_decap_stage(Burst& b, const Snapshot& s, const PipelineContext& ctx, RouteResults& routes);

// Network ACLs on forwarded packets that cross subnets: the egress NACL of
// the source subnet, then the ingress NACL of the destination subnet (AWS:
// traffic inside one subnet is not filtered). A deny is `nacl_deny`; the
// deciding entry of each NACL is recorded in verdict.nacl_hit for counting.
// Non-first fragments are not classified (they carry no ports): they take
// their first fragment's verdict in the conntrack stage. Overlay
// traffic's remote subnet comes from routes.peer_subnet.
void nacl_stage(Burst& b, const Snapshot& s, const RouteResults& routes);

// Connection tracking and security groups on forwarded packets: the
// sender's egress groups in its zone, then the receiver's ingress groups in
// its zone (conntrack_stage.cc says how). Packets whose connection another
// worker owns become kHandoff first.
void conntrack_stage(Burst& b, const Snapshot& s, PipelineContext& ctx);

// Non-first fragments still forwarded, or kHold (resumed: they become
// kForward first), follow what their first fragment met in each zone: its
// drop reason, or CtNote::kFragment; `fragment_overlap` when one starts
// inside the first fragment's transport header. No first fragment seen:
// kHold when `may_hold` and ctx.hold_early_fragments, else `fragment_orphan`.
// `judged_whole[i]`: packet i is a piece of a short first fragment's header,
// judged whole by the worker (no overlap check); null: none is.
void follow_first_fragments(Burst& b, const Snapshot& s, PipelineContext& ctx, bool may_hold,
                            const bool* judged_whole = nullptr);

// IDS/IPS on forwarded packets of ENIs with a rule set (s.eni_ids), after
// the security groups: scanned with the ENI's rule set (TCP as a normalised
// stream, ids/stream.h), alerts to ctx.ids's ring; in PREVENT, `ids_drop`,
// `ids_out_of_order`, `ids_overlap` (ids_stage.cc says when). Runs after
// conntrack_stage, which tells it (ctx.ids_in_burst) whether the burst
// touches an ENI with IDS: a burst that does not costs one test.
void ids_stage(Burst& b, const Snapshot& s, PipelineContext& ctx);

// Writes the L2 header of every forwarded frame and reply: destination = the
// ENI's MAC, source = the router's MAC, the ENI's VLAN tag (or none).
void l2_rewrite_stage(Burst& b, const Snapshot& s);

}  // namespace vfpath
