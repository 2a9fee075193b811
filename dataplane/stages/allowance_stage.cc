// Per-ENI allowances (dataplane/allowance.h), in two places:
//   * egress, after anti-spoofing and before the handoff: a packet from the
//     VM spends its ENI's pps and bw_out tokens, and a link-local one its
//     link-local tokens — so a flood is dropped here, before it costs
//     routing, policy or a ring to another worker;
//   * ingress, after the policy stages: a packet delivered to a local ENI
//     spends that ENI's pps and bw_in tokens (what policy refused spends
//     none), and the drop is charged to that ENI (verdict.charge_receiver).
// Drops: pps_allowance_exceeded, bw_out_allowance_exceeded,
// bw_in_allowance_exceeded, linklocal_allowance_exceeded.
#include "dataplane/allowance.h"
#include "dataplane/stages/stages.h"
#include "packet/net_headers.h"

namespace vfpath {
namespace {

constexpr BucketConfig kLinkLocal{kLinkLocalPps, 256};

bool is_local_eni(const Snapshot& s, uint16_t eni) { return eni < s.enis.size(); }

// To the VPC's link-local services: 169.254.0.0/16, fd00:ec2::/32, DHCP.
bool link_local(const PacketMeta& m) {
  if (m.kind == PacketKind::kIpv4) {
    if (m.dst.bytes[0] == 169 && m.dst.bytes[1] == 254) return true;
  } else if (m.kind == PacketKind::kIpv6) {
    if (m.dst.bytes[0] == 0xfd && m.dst.bytes[1] == 0x00 && m.dst.bytes[2] == 0x0e && m.dst.bytes[3] == 0xc2) return true;
  } else {
    return false;
  }
  return m.l4_proto == wire::kProtoUdp && m.dst_port.host() == 67;
}

uint32_t now_us(const PipelineContext& ctx) { return static_cast<uint32_t>(ctx.now / ctx.ticks_per_us); }

}  // namespace

void allowance_egress_stage(Burst& b, const Snapshot& s, PipelineContext& ctx) {
  if (!ctx.allowance.shared) return;
  const uint32_t t = now_us(ctx);
  const bool limits = !s.eni_allowances.empty();
  for (uint16_t i = 0; i < b.count; ++i) {
    Verdict& v = b.verdict[i];
    const PacketMeta& m = b.meta[i];
    if (!b.undecided(i) || !is_local_eni(s, v.in_eni) || (m.kind != PacketKind::kIpv4 && m.kind != PacketKind::kIpv6))
      continue;
    const uint32_t slot = s.enis[v.in_eni].counter_slot;
    if (link_local(m) && !spend(ctx.allowance, slot, Allowance::kLinkLocal, 1, kLinkLocal, t)) {
      v.drop_with(DropReason::kLinkLocalAllowanceExceeded);
      continue;
    }
    if (!limits) continue;
    const EniAllowances& a = s.eni_allowances[v.in_eni];
    if (!spend(ctx.allowance, slot, Allowance::kPps, 1, a.pps, t)) v.drop_with(DropReason::kPpsAllowanceExceeded);
    else if (!spend(ctx.allowance, slot, Allowance::kBwOut, b.frames[i].len, a.bw_out, t))
      v.drop_with(DropReason::kBwOutAllowanceExceeded);
  }
}

void allowance_ingress_stage(Burst& b, const Snapshot& s, PipelineContext& ctx) {
  if (!ctx.allowance.shared || s.eni_allowances.empty()) return;
  const uint32_t t = now_us(ctx);
  for (uint16_t i = 0; i < b.count; ++i) {
    Verdict& v = b.verdict[i];
    if (v.action != Action::kForward || !is_local_eni(s, v.out_eni)) continue;
    const EniAllowances& a = s.eni_allowances[v.out_eni];
    const uint32_t slot = s.enis[v.out_eni].counter_slot;
    DropReason r = DropReason::kNone;
    if (!spend(ctx.allowance, slot, Allowance::kPps, 1, a.pps, t)) r = DropReason::kPpsAllowanceExceeded;
    else if (!spend(ctx.allowance, slot, Allowance::kBwIn, b.frames[i].len, a.bw_in, t))
      r = DropReason::kBwInAllowanceExceeded;
    if (r != DropReason::kNone) {
      v.drop_with(r);
      v.charge_receiver = true;
    }
  }
}

}  // namespace vfpath
