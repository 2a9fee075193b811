#include "packet/checksum.h"
#include "packet/net_headers.h"
#include "packet/replies.h"
#include "dataplane/overlay_snapshot.h"
#include "dataplane/stages/eni_addresses.h"
#include "dataplane/stages/router_address.h"
#include "dataplane/stages/ttl.h"
#include "dataplane/stages/stages.h"

namespace vfpath {
namespace {

using namespace wire;

bool is_echo_request(const PacketMeta& m) {
  if (!m.has(meta_flags::kHasL4) || m.has(meta_flags::kFragment)) return false;
  return m.kind == PacketKind::kIpv4 ? (m.l4_proto == kProtoIcmp && m.type == kIcmpEchoRequest)
                                     : (m.l4_proto == kProtoIcmpv6 && m.type == kIcmpv6EchoRequest);
}

// Destination addresses the router never forwards: IPv4 multicast and limited
// broadcast, IPv6 multicast (ND/MLD were handled before) and link-local.
bool unroutable(const PacketMeta& m) {
  if (m.kind == PacketKind::kIpv4) {
    uint32_t d = m.dst4().host();
    return (d >> 28) == 0xe || d == 0xffffffffu;
  }
  Ipv6Addr d = m.dst6();
  return d.is_multicast() || d.is_unspecified();
}

}  // namespace

void route_stage(Burst& b, const Snapshot& s, RouteResults& routes) {
  for (uint16_t i = 0; i < b.count; ++i) {
    if (!b.undecided(i)) continue;
    PacketMeta& m = b.meta[i];
    Verdict& v = b.verdict[i];
    Frame& f = b.frames[i];
    const EniEntry& eni = s.enis[v.in_eni];
    if (unroutable(m)) {
      v.drop_with(DropReason::kNoRoute);
      continue;
    }
    const bool v4 = m.kind == PacketKind::kIpv4;
    uint16_t target;
    if (!v4 && m.dst6().is_link_local()) {
      target = m.dst6() == s.router_link_local ? kRouterEni : kNoEni;
    } else {
      const uint16_t* t = s.eni_by_address.find(make_route_key(eni.vpc, v4 ? 4 : 6, m.dst.bytes));
      target = t ? *t : kNoEni;
    }
    if (target == kRouterEni) {
      if (is_echo_request(m)) {
        build_echo_reply(f, m);
        v.action = Action::kReply;
        v.out_eni = v.in_eni;
      } else {
        v.drop_with(DropReason::kToGateway);
      }
      continue;
    }
    const bool link_local = !v4 && (m.src6().is_link_local() || m.dst6().is_link_local());
    if (target == kNoEni && !link_local && (s.overlay || s.has_internet)) {
      // Not on this appliance: another host's, if the overlay knows it;
      // else, outside the VPC, the internet gateway's for a private source
      // with a public address (EC2: an Elastic IP); else no route.
      DropReason r = s.overlay ? resolve_remote(s, eni, v.in_eni, m, routes.peer(i), routes.peer_subnet[i])
                               : DropReason::kNoRoute;
      if (r == DropReason::kNone) {
        target = kUplinkEni;
      } else if (v4 && s.has_internet && !s.in_vpc(eni.vpc, m.dst.bytes)) {
        if (!public_of(eni, m.src4())) {
          v.drop_with(DropReason::kNoRoute);
          continue;
        }
        target = kInternetEni;
        routes.peer_subnet[i] = kNoSubnet;
      } else {
        v.drop_with(r);
        continue;
      }
    }
    if (target == kNoEni || link_local) {
      v.drop_with(DropReason::kNoRoute);
      continue;
    }
    if (m.ttl <= 1) {
      v.drop_with(DropReason::kTtlExceeded);
      const uint8_t* from = router_address(s, s.subnets[eni.subnet], m.kind);
      if (icmp_error_allowed(m) && build_time_exceeded(f, m, from)) {
        v.action = Action::kReply;  // the reason stays counted; the error goes back
        v.out_eni = v.in_eni;
      }
      continue;
    }
    decrement_ttl(f, m);
    v.action = Action::kForward;
    v.out_eni = target;
  }
}

}  // namespace vfpath
