// IDS/IPS (ids/README.md): forwarded packets of ENIs with a rule set are
// scanned after the security groups and NACLs let them through, once per
// such ENI (the sender's for egress, the receiver's for ingress), with that
// ENI's rule set and mode. Per packet:
//   * a connection PREVENT has blocked is dropped (`ids_drop`), one that a
//     pass rule matched is not inspected further;
//   * TCP: the segment goes through the stream normaliser (ids/stream.h):
//     its new bytes are scanned in a window after the carry of the bytes
//     before them; PREVENT drops segments beyond a hole (`ids_out_of_order`)
//     and retransmissions whose bytes differ (`ids_overlap`); every rule
//     alerts at most once per connection (the windows overlap);
//   * UDP, ICMP and other IP: the payload as one block;
//   * a non-first fragment has no transport header: not inspected (counted);
//     its first fragment was, and a blocked connection's fragments follow
//     the first fragment's drop through the fragment table.
// Verdict: a drop rule in PREVENT drops the packet (`ids_drop`) and blocks
// the connection; alerts go to the worker's ring (never blocking: a full
// ring counts ids_alerts_dropped).
#include <algorithm>
#include <cstring>

#include "conntrack/tcp_segment.h"
#include "dataplane/ids_streams.h"
#include "dataplane/stages/stages.h"
#include "packet/net_headers.h"

namespace vfpath {
namespace {

bool is_local_eni(const Snapshot& s, uint16_t eni) { return eni < s.enis.size(); }

// The L4 payload of an IP packet, bounded by the frame and the IP length.
bool payload_of(const Frame& f, const PacketMeta& m, const uint8_t*& data, uint32_t& len) {
  const uint32_t l3_end = std::min<uint32_t>(f.len, static_cast<uint32_t>(m.l3_offset) + m.l3_length);
  uint32_t start = m.l4_offset;
  if (start == 0) return false;
  switch (m.l4_proto) {
    case wire::kProtoTcp: {
      if (!m.has(meta_flags::kHasL4) || start + 13 > l3_end) return false;
      start += (f.data[start + 12] >> 4) * 4u;
      break;
    }
    case wire::kProtoUdp:
    case wire::kProtoIcmp:
    case wire::kProtoIcmpv6:
      if (!m.has(meta_flags::kHasL4)) return false;
      start += 8;
      break;
    default:
      break;
  }
  data = f.data + std::min(start, l3_end);
  len = start < l3_end ? l3_end - start : 0;
  return true;
}

void copy_id(char (&out)[32], const std::string& id) {
  const size_t n = std::min<size_t>(id.size(), sizeof out - 1);
  std::memcpy(out, id.data(), n);
  out[n] = 0;
}

bool already_alerted(IdsStream* st, uint32_t rule) {
  if (!st) return false;
  for (uint8_t k = 0; k < st->n_alerted; ++k)
    if (st->alerted[k] == rule) return true;
  if (st->n_alerted < kIdsRememberedAlerts) st->alerted[st->n_alerted++] = rule;
  return false;
}

struct Inspection {
  const Snapshot& s;
  PipelineContext& ctx;
  IdsWorkerState& w;
  uint16_t eni;
  const IdsRuleset& rs;
  ids::Mode mode;
  ids::Scratch& scratch;
};

// Scans one buffer; alerts; true when the packet is to be dropped.
bool scan_and_report(Inspection& in, const ids::PacketView& view, const PacketMeta& m, uint64_t flow_id,
                     IdsStream* st) {
  ids::ScanResult r;
  if (ids::scan(*in.rs.db, in.scratch, view, in.mode, r) != ids::ScanStatus::Ok) {
    in.w.counters.scan_errors.add(1);
    return false;
  }
  in.w.counters.packets_inspected.add(1);
  in.w.counters.bytes_inspected.add(view.payload_len);
  if (r.verdict == ids::Verdict::None) return false;
  if (r.verdict == ids::Verdict::Pass) {
    if (st) st->flags |= ids_stream_flag::kPassed;
    return false;
  }
  const bool drop = r.verdict == ids::Verdict::Drop;
  for (uint32_t k = 0; k < r.count; ++k) {
    const ids::Match& match = r.matches[k];
    // TCP windows overlap (the carry is read again): one alert per rule per
    // connection. A datagram is an event of its own: each one alerts.
    if (m.l4_proto == wire::kProtoTcp && already_alerted(st, match.rule)) continue;
    IdsAlertRecord a;
    a.ticks = in.ctx.now;
    a.flow_id = flow_id & ((1ull << 52) - 1);  // an exact JSON number, like Suricata's
    a.src = m.src;
    a.dst = m.dst;
    a.sport = m.src_port.host();
    a.dport = m.dst_port.host();
    a.proto = m.l4_proto;
    a.family = m.kind == PacketKind::kIpv6 ? 6 : 4;
    a.blocked = drop && match.action == ids::Action::Drop;
    a.to_server = view.to_server;
    a.sid = match.sid;
    a.rev = in.rs.db->rules()[match.rule].rev;
    copy_id(a.eni, in.s.enis[in.eni].id);
    copy_id(a.ruleset, in.rs.id);
    in.w.counters.alerts.add(1);
    if (!in.w.alerts.push(a)) in.w.counters.alerts_dropped.add(1);
  }
  if (drop && st) st->flags |= ids_stream_flag::kBlocked;
  return drop;
}

// One packet against one ENI's rule set: the drop reason, or kNone.
DropReason inspect(Inspection& in, const Frame& f, const PacketMeta& m) {
  if (m.has(meta_flags::kFragment) && m.frag_offset != 0) {
    in.w.counters.fragments_uninspected.add(1);
    return DropReason::kNone;
  }
  const uint8_t* payload = nullptr;
  uint32_t len = 0;
  if (!payload_of(f, m, payload, len)) return DropReason::kNone;  // the parser refused worse

  ids::PacketView view;
  view.family = m.kind == PacketKind::kIpv6 ? ids::Family::V6 : ids::Family::V4;
  view.ip_proto = m.l4_proto;
  view.tcp_flags = m.tcp_flags;
  view.sport = m.src_port.host();
  view.dport = m.dst_port.host();
  view.src = m.src.bytes;
  view.dst = m.dst.bytes;
  view.payload = payload;
  view.payload_len = len;

  const uint16_t zone = in.s.eni_ct[in.eni].zone;
  const ct::KeyResult k = ct::flow_key_of(m, zone);
  if (k.status != ct::KeyStatus::kOk)  // ICMP errors and the like: one block, no flow
    return scan_and_report(in, view, m, 0, nullptr) ? DropReason::kIdsDrop : DropReason::kNone;

  const uint64_t hash = ct::flow_hash(k.key);
  bool inserted = false;
  IdsStream* st = in.w.streams.find_or_insert(k.key, hash, in.ctx.now, inserted);
  const uint8_t side = static_cast<uint8_t>(k.src_side);
  if (st) {
    if (inserted) {
      // The client: a SYN's sender, a SYN-ACK's receiver, else the first sender.
      const bool syn = m.l4_proto == wire::kProtoTcp && (m.tcp_flags & ct::tcp_flag::kSyn);
      const bool ack = m.tcp_flags & ct::tcp_flag::kAck;
      st->client = syn && ack ? side ^ 1 : side;
    }
    st->last_seen = in.ctx.now;
    if (st->ruleset != &in.rs) {  // another rule set since: its alerts are new ones
      st->ruleset = &in.rs;
      st->n_alerted = 0;
    }
    if (st->flags & ids_stream_flag::kBlocked) return DropReason::kIdsDrop;
    if (st->flags & ids_stream_flag::kPassed) return DropReason::kNone;
    st->seen |= static_cast<uint8_t>(1u << side);
    view.to_server = side == st->client;
    view.established = st->seen == 3;
  }

  // A TCP first fragment holds only part of its segment: scanned alone, the
  // stream left as it is (its sequence space would show a false hole).
  const bool tcp_fragment = m.l4_proto == wire::kProtoTcp && m.has(meta_flags::kFragment);
  if (tcp_fragment) in.w.counters.fragments_uninspected.add(1);
  if (m.l4_proto != wire::kProtoTcp || !st || tcp_fragment) {
    if (m.l4_proto == wire::kProtoTcp) view.stream_start = false;
    return scan_and_report(in, view, m, hash, st) ? DropReason::kIdsDrop : DropReason::kNone;
  }

  if (m.tcp_flags & (ct::tcp_flag::kFin | ct::tcp_flag::kRst)) st->flags |= ids_stream_flag::kClosed;
  if (m.tcp_flags & ct::tcp_flag::kSyn) view.established = false;
  const uint32_t seq = static_cast<uint32_t>(f.data[m.l4_offset + 4]) << 24 | f.data[m.l4_offset + 5] << 16 |
                       f.data[m.l4_offset + 6] << 8 | f.data[m.l4_offset + 7];
  const ids::SegmentPlan plan = ids::accept_segment(st->dir[side], seq, m.tcp_flags, payload, len, in.mode, in.w.window);
  if (plan.gap) in.w.counters.stream_gaps.add(1);
  if (plan.overlap_mismatch) in.w.counters.overlap_mismatch.add(1);
  if (plan.unverified) in.w.counters.retransmit_unverified.add(1);
  if (plan.uninspected_bytes) in.w.counters.bytes_uninspected.add(plan.uninspected_bytes);
  if (plan.drop == ids::SegmentPlan::Drop::kGap) return DropReason::kIdsOutOfOrder;
  if (plan.drop == ids::SegmentPlan::Drop::kOverlapMismatch) return DropReason::kIdsOverlap;

  bool drop = false;
  if (plan.scan_alone) {
    ids::PacketView alone = view;
    alone.stream_start = false;
    drop = scan_and_report(in, alone, m, hash, st);
  }
  if (!drop && !(st->flags & ids_stream_flag::kPassed)) {
    // The window (or, with no new bytes, nothing: header-only rules still run).
    ids::PacketView w = view;
    w.in_stream = true;
    w.segment_len = len;
    w.payload = in.w.window;
    w.payload_len = plan.window_len;
    w.stream_start = plan.window_starts_stream;
    drop = scan_and_report(in, w, m, hash, st);
  }
  return drop ? DropReason::kIdsDrop : DropReason::kNone;
}

}  // namespace

void ids_stage(Burst& b, const Snapshot& s, PipelineContext& ctx) {
  if (!ctx.ids_in_burst || !ctx.ids) return;  // conntrack_stage saw no ENI with IDS in this burst
  for (uint16_t i = 0; i < b.count; ++i) {
    Verdict& v = b.verdict[i];
    if (v.action != Action::kForward) continue;
    const PacketMeta& m = b.meta[i];
    if (m.kind != PacketKind::kIpv4 && m.kind != PacketKind::kIpv6) continue;
    const uint16_t enis[2] = {v.in_eni, v.out_eni};
    for (int pass = 0; pass < 2 && v.action == Action::kForward; ++pass) {
      const uint16_t eni = enis[pass];
      if (!is_local_eni(s, eni) || !(s.eni_ct[eni].flags & eni_ct_flags::kIds)) continue;
      const EniIds e = s.eni_ids[eni];
      if (e.ruleset == kNoIdsRuleset) continue;
      const IdsRuleset& rs = *s.ids_rulesets[e.ruleset];
      if (ctx.worker >= rs.scratch.size()) {
        ctx.ids->counters.scan_errors.add(1);
        continue;
      }
      Inspection in{s, ctx, *ctx.ids, eni, rs, e.mode, *rs.scratch[ctx.worker]};
      const DropReason r = inspect(in, b.frames[i], m);
      if (r != DropReason::kNone) v.drop_with(r);
    }
  }
}

}  // namespace vfpath
