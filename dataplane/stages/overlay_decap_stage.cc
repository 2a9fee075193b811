// overlay_decap_stage (stages.h): what arrives on the uplink, validated and
// unwrapped for delivery to a local ENI.
#include "dataplane/overlay_snapshot.h"
#include "dataplane/pipeline.h"
#include "dataplane/stages/neighbor_discovery.h"
#include "dataplane/stages/stages.h"

namespace vfpath {
void overlay_decap_stage(Burst& b, const Snapshot& s, const PipelineContext& ctx, RouteResults& routes) {
  const OverlaySnapshot& o = *s.overlay;
  for (uint16_t i = 0; i < b.count; ++i) {
    if (!b.undecided(i)) continue;
    Verdict& v = b.verdict[i];
    uint16_t vpc = 0, eni = kNoEni;
    // The inner destination must be an ENI of the VNI's VPC on this
    // appliance (a router address is not: the remote host's router answers
    // for its VMs). Remembers which, so the lookup is not repeated.
    auto is_local_eni = [&](uint16_t key, const PacketMeta& inner) {
      vpc = o.vpc_of_key[key];
      const uint8_t family = inner.kind == PacketKind::kIpv6 ? 6 : 4;
      const uint16_t* e = s.eni_by_address.find(make_route_key(vpc, family, inner.dst.bytes));
      if (!e || *e == kRouterEni) return false;
      eni = *e;
      return true;
    };
    PacketMeta inner;
    const encap::DecapResult r =
        encap::decapsulate(b.frames[i], b.meta[i], o.decap, o.vnis, *o.mappings, is_local_eni, inner);
    v.out_eni = eni;  // known from no_mapping's check on: drops are charged to that ENI
    if (r.error != DropReason::kNone) {
      v.drop_with(r.error);
      continue;
    }
    if (is_neighbor_discovery(inner)) {
      v.drop_with(DropReason::kNdUnanswered);
      continue;
    }
    if (ctx.workers > 1) {
      const uint32_t owner = connection_owner(b.frames[i].data + r.tunnel.inner_offset, r.tunnel.inner_length, inner, ctx);
      if (owner != ctx.worker) {
        v.action = Action::kHandoff;
        v.owner = static_cast<uint16_t>(owner);
        continue;
      }
    }
    encap::strip_outer(b.frames[i], r.tunnel);
    b.meta[i] = inner;
    v.action = Action::kForward;
    if ((s.eni_subnet_nacl[eni] & 0xffff) != kDefaultNacl)
      routes.peer_subnet[i] = o.subnet_of(vpc, inner.kind == PacketKind::kIpv6, inner.src.bytes);
  }
}

}  // namespace vfpath
