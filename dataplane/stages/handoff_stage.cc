// Connections belong to one worker each (DESIGN §5): a packet another worker
// owns leaves the pipeline as kHandoff before any stage changes the frame
// (the route stage decrements the TTL) or any table.
#include "conntrack/flow_key.h"
#include "conntrack/related.h"
#include "packet/net_headers.h"
#include "dataplane/stages/stages.h"

namespace vfpath {

uint32_t connection_owner(const uint8_t* data, uint32_t len, const PacketMeta& m, const PipelineContext& ctx) {
  const IpAddr* x = &m.src;
  const IpAddr* y = &m.dst;
  ct::KeyResult inner;
  if (m.has(meta_flags::kHasL4) && (m.l4_proto == wire::kProtoIcmp || m.l4_proto == wire::kProtoIcmpv6) &&
      ct::is_icmp_error(m.kind == PacketKind::kIpv6 ? 6 : 4, m.type) && ct::related_key(data, len, m, 0, inner)) {
    x = &inner.key.a;  // the quoted connection's owner
    y = &inner.key.b;
  }
  return ct::owner_worker(ct::address_pair_hash(*x, *y), ctx.workers);
}

void handoff_stage(Burst& b, PipelineContext& ctx) {
  if (ctx.workers <= 1) return;
  for (uint16_t i = 0; i < b.count; ++i) {
    Verdict& v = b.verdict[i];
    if (v.action != Action::kContinue) continue;
    const PacketMeta& m = b.meta[i];
    if (m.kind != PacketKind::kIpv4 && m.kind != PacketKind::kIpv6) continue;
    const uint32_t owner = connection_owner(b.frames[i].data, b.frames[i].len, m, ctx);
    if (owner != ctx.worker) {
      v.action = Action::kHandoff;
      v.owner = static_cast<uint16_t>(owner);
    }
  }
}

}  // namespace vfpath
