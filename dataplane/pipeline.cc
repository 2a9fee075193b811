#include "dataplane/pipeline.h"

#include <algorithm>
#include <new>

#include "dataplane/ids_streams.h"
#include "dataplane/stages/stages.h"

namespace vfpath {

ScratchContext::ScratchContext(uint32_t capacity, uint32_t workers, uint32_t worker)
    : flows(ct::FlowTable::create({.capacity = capacity, .zones = static_cast<uint16_t>(kMaxEnis),
                                   .ticks_per_second = 1000000000})),
      fragments(ct::FragmentTable::create(std::max(16u, capacity / 64), 1000000000)),
      ids(std::make_unique<IdsWorkerState>(kIdsScratchStreams, 1000000000)),
      buckets(std::make_unique<EniBuckets[]>(kAllowanceSlots)),
      allowance_cache(std::make_unique<AllowanceCache>()) {
  if (!flows || !fragments) throw std::bad_alloc();
  ctx = PipelineContext{flows.get(), fragments.get(), 1, worker, workers};
  ctx.ids = ids.get();
  ctx.ids_scratch = worker;
  ctx.allowance = AllowanceState{buckets.get(), allowance_cache.get()};
  ctx.ticks_per_us = 1000;  // the clock is in ns
}

void run_pipeline(Burst& b, const Snapshot& s, PipelineContext& ctx, SpareFrames* spares, RouteResults* routes_out) {
  const PortEntry* port = s.port(b.in_port);
  const bool overlay_in = port && port->role == PortRole::kUplink && s.overlay &&
                          b.in_port == s.overlay->uplink_port;
  RouteResults own;
  RouteResults& routes = routes_out ? *routes_out : own;
  routes.reset(b.count);
  const bool internet_in = port && port->role == PortRole::kUplink && s.has_internet && b.in_port == s.internet.port;
  if (internet_in) {
    // From the internet: to a public address, translated to its private one.
    parse_stage(b);
    internet_ingress_stage(b, s, ctx, routes);
  } else if (overlay_in) {
    // From another host: unwrapped (or handed to the connection's owner
    // first, untouched), then policy and delivery like local traffic.
    parse_stage(b);
    underlay_neighbor_stage(b, s);
    overlay_decap_stage(b, s, ctx, routes);
  } else if (port && port->role == PortRole::kEni) {
    parse_stage(b);
    eni_stage(b, s);
    allowance_egress_stage(b, s, ctx);
    neighbor_stage(b, s);
    link_local_stage(b, s, ctx);
    anti_spoof_stage(b, s);
    handoff_stage(b, ctx);
    route_stage(b, s, routes);
  } else {
    // An uplink without an underlay configured; an unknown port has no role.
    for (uint16_t i = 0; i < b.count; ++i) b.verdict[i].drop_with(DropReason::kUplinkUnhandled);
    return;
  }
  nacl_stage(b, s, routes);
  conntrack_stage(b, s, ctx);
  ids_stage(b, s, ctx);
  allowance_ingress_stage(b, s, ctx);
  overlay_encap_stage(b, s, routes, spares);
  internet_egress_stage(b, s);
  l2_rewrite_stage(b, s);
}

void resume_held_fragments(Burst& b, const Snapshot& s, PipelineContext& ctx, RouteResults& routes,
                           SpareFrames* spares, const bool* judged_whole) {
  follow_first_fragments(b, s, ctx, false, judged_whole);
  ctx.ids_in_burst = true;  // rare: the stage looks at each
  ids_stage(b, s, ctx);
  allowance_ingress_stage(b, s, ctx);
  overlay_encap_stage(b, s, routes, spares);
  internet_egress_stage(b, s);
  l2_rewrite_stage(b, s);
}

}  // namespace vfpath
