// The internet gateway (stages.h): Elastic IPs as EC2 does them, 1:1 NAT
// without state — the security groups and connection tracking, which do
// keep state, see only the private address (before the egress
// translation, after the ingress one).
// Egress (after every policy stage): a packet routed to kInternetEni gets
// its ENI's public address for the private source (packet/nat44.h) and the
// gateway's Ethernet header (to the next hop, untagged).
// Ingress (the gateway's port): ARP for an associated public address is
// answered with the gateway's MAC, nothing else is (a disassociated address
// goes dark at once); IPv4 to an associated public address is translated
// to its private one, its TTL counted down, and forwarded to the ENI (or
// handed to the worker that owns its connection, untouched); the rest is
// no_route. IPv6 is not translated (EC2's IPv6 is not NATed): no_route.
#include <algorithm>
#include <cstring>

#include "packet/nat44.h"
#include "packet/net_headers.h"
#include "packet/replies.h"
#include "dataplane/overlay_snapshot.h"
#include "dataplane/stages/eni_addresses.h"
#include "dataplane/stages/neighbor_discovery.h"
#include "dataplane/stages/stages.h"
#include "dataplane/stages/ttl.h"

namespace vfpath {
namespace {

using namespace wire;

// The worker that owns the connection the translated packet belongs to,
// computed on a translated copy of its headers: a packet handed over must
// leave this stage untouched (the owner runs the pipeline on it again).
uint32_t owner_after_translation(const Frame& f, const PacketMeta& m, Ipv4Addr to, const PipelineContext& ctx) {
  uint8_t copy[256];
  const uint16_t n = static_cast<uint16_t>(std::min<uint32_t>(f.len, sizeof copy));
  std::memcpy(copy, f.data, n);
  Frame c{copy, n, 0, 0, n};
  PacketMeta cm = m;
  if (!nat44_rewrite(c, cm, false, to)) return ctx.worker;  // refused below, by this worker
  std::memcpy(cm.dst.bytes, &to.value, 4);
  return connection_owner(c.data, c.len, cm, ctx);
}

}  // namespace

void internet_ingress_stage(Burst& b, const Snapshot& s, const PipelineContext& ctx, RouteResults& routes) {
  const InternetEntry& g = s.internet;
  for (uint16_t i = 0; i < b.count; ++i) {
    if (!b.undecided(i)) continue;
    PacketMeta& m = b.meta[i];
    Frame& f = b.frames[i];
    Verdict& v = b.verdict[i];
    if (m.kind == PacketKind::kArp) {
      const PublicTarget* t = s.eni_by_public.find(uint64_t{m.dst4().value.raw()});
      if (answerable_arp_request(m) && t) {
        build_arp_reply(f, m, g.mac);
        reply_to_sender(f, g.mac, v, kInternetEni);
      } else {
        v.drop_with(DropReason::kArpUnanswered);
      }
      continue;
    }
    if (m.kind != PacketKind::kIpv4) {
      v.drop_with(DropReason::kNoRoute);
      continue;
    }
    const PublicTarget* t = s.eni_by_public.find(uint64_t{m.dst4().value.raw()});
    if (!t || t->eni >= s.enis.size()) {
      v.drop_with(DropReason::kNoRoute);
      continue;
    }
    v.out_eni = t->eni;  // drops from here on are charged to it
    v.in_eni = kInternetEni;  // no ENI sent it: the internet did (metering)
    if (ctx.workers > 1) {
      const uint32_t owner = owner_after_translation(f, m, t->private_ip, ctx);
      if (owner != ctx.worker) {
        v.action = Action::kHandoff;
        v.owner = static_cast<uint16_t>(owner);
        continue;
      }
    }
    if (m.ttl <= 1) {
      v.drop_with(DropReason::kTtlExceeded);
      continue;
    }
    if (!nat44_rewrite(f, m, false, t->private_ip)) {
      v.drop_with(DropReason::kMalformed);
      continue;
    }
    std::memcpy(m.dst.bytes, &t->private_ip.value, 4);
    decrement_ttl(f, m);
    --m.ttl;
    v.action = Action::kForward;
    routes.peer_subnet[i] = kNoSubnet;  // the internet: no subnet of ours
  }
}

void internet_egress_stage(Burst& b, const Snapshot& s) {
  if (!s.has_internet) return;
  const InternetEntry& g = s.internet;
  for (uint16_t i = 0; i < b.count; ++i) {
    Verdict& v = b.verdict[i];
    if (v.action != Action::kForward || v.out_eni != kInternetEni) continue;
    Frame& f = b.frames[i];
    PacketMeta& m = b.meta[i];
    // The route stage found it in the same snapshot (held fragments resume
    // under their own snapshot only); looked up again rather than carried,
    // as held fragments keep no route results for this port.
    const Ipv4Addr* pub = v.in_eni < s.enis.size() ? public_of(s.enis[v.in_eni], m.src4()) : nullptr;
    if (!pub) {
      v.drop_with(DropReason::kNoRoute);
      continue;
    }
    if (!nat44_rewrite(f, m, true, *pub)) {
      v.drop_with(DropReason::kMalformed);
      continue;
    }
    std::memcpy(m.src.bytes, &pub->value, 4);
    const int grow = static_cast<int>(sizeof(EthernetHeader)) - m.l3_offset;  // untagged on the gateway's port
    f.move_start(grow);
    m.l3_offset = sizeof(EthernetHeader);
    auto* eth = reinterpret_cast<EthernetHeader*>(f.data);
    std::memcpy(eth->dst, g.next_hop.bytes.data(), 6);
    std::memcpy(eth->src, g.mac.bytes.data(), 6);
    eth->ether_type = be16::from_host(kEtherTypeIpv4);
  }
}

}  // namespace vfpath
