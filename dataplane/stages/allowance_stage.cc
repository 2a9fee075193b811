// Per-ENI allowances (dataplane/allowance.h), in two places:
//   * egress, right after the ENI stage (ARP and ND included): a frame from the VM spends
//     its ENI's pps and bw_out tokens — so a flood is dropped here, before
//     it costs DHCP, anti-spoofing, routing, policy or a ring to another
//     worker (the link-local allowance is link_local_stage.cc);
//   * ingress, after the policy stages: a packet delivered to a local ENI
//     spends that ENI's pps and bw_in tokens (what policy refused spends
//     none), and the drop is charged to that ENI (verdict.charge_receiver).
// Drops: pps_allowance_exceeded, bw_out_allowance_exceeded,
// bw_in_allowance_exceeded. Without limits on any ENI, neither runs.
#include "dataplane/allowance.h"
#include "dataplane/stages/stages.h"

namespace vfpath {

void allowance_egress_stage(Burst& b, const Snapshot& s, PipelineContext& ctx) {
  if (!ctx.allowance.shared || s.eni_allowances.empty() || ctx.handed_off) return;
  const uint64_t t = ctx.now_us();
  for (uint16_t i = 0; i < b.count; ++i) {
    Verdict& v = b.verdict[i];
    if (!b.undecided(i) || !is_local_eni(s, v.in_eni)) continue;  // ARP and ND too: answering them costs the core
    const uint32_t slot = s.enis[v.in_eni].counter_slot;
    const EniAllowances& a = s.eni_allowances[v.in_eni];
    if (!spend(ctx.allowance, slot, Allowance::kPps, 1, a.pps, t)) v.drop_with(DropReason::kPpsAllowanceExceeded);
    else if (!spend(ctx.allowance, slot, Allowance::kBwOut, b.frames[i].frame_len, a.bw_out, t))
      v.drop_with(DropReason::kBwOutAllowanceExceeded);
  }
}

void allowance_ingress_stage(Burst& b, const Snapshot& s, PipelineContext& ctx) {
  if (!ctx.allowance.shared || s.eni_allowances.empty()) return;
  const uint64_t t = ctx.now_us();
  for (uint16_t i = 0; i < b.count; ++i) {
    Verdict& v = b.verdict[i];
    if (v.action != Action::kForward || !is_local_eni(s, v.out_eni)) continue;
    const EniAllowances& a = s.eni_allowances[v.out_eni];
    const uint32_t slot = s.enis[v.out_eni].counter_slot;
    DropReason r = DropReason::kNone;
    if (!spend(ctx.allowance, slot, Allowance::kPps, 1, a.pps, t)) r = DropReason::kPpsAllowanceExceeded;
    else if (!spend(ctx.allowance, slot, Allowance::kBwIn, b.frames[i].frame_len, a.bw_in, t))
      r = DropReason::kBwInAllowanceExceeded;
    if (r != DropReason::kNone) {
      v.drop_with(r);
      v.charge_receiver = true;
    }
  }
}

}  // namespace vfpath
