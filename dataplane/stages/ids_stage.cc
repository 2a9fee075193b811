// IDS/IPS (ids/README.md): forwarded packets of ENIs with a rule set are
// scanned after the security groups and NACLs let them through, once per
// such ENI (the sender's for egress, the receiver's for ingress), with that
// ENI's rule set and mode. Per packet:
//   * a connection PREVENT has blocked is dropped (`ids_drop`), one that a
//     pass rule matched is not inspected further (both only under the rule
//     set and mode that decided it);
//   * TCP: the segment goes through the stream normaliser (ids/stream.h):
//     its new bytes are scanned in a window after the carry of the bytes
//     before them; PREVENT drops segments beyond a hole (`ids_out_of_order`)
//     and retransmissions whose bytes differ (`ids_overlap`); a segment with
//     a wrong checksum (the receiver drops it) is scanned alone and never
//     taken into the stream; every rule alerts at most once per connection
//     (the windows overlap); a connection that begins again on the same
//     ports (conntrack: new) starts a new stream;
//   * UDP, ICMP and other IP: the payload as one block;
//   * what cannot be inspected — IP fragments (not reassembled here), a
//     connection with no stream entry (the table's set is full of live
//     ones), a scan Hyperscan refused — passes counted in DETECT and is
//     dropped in PREVENT (`ids_uninspected`): a prevention that fails open
//     is an evasion.
// Verdict: a drop rule in PREVENT drops the packet (`ids_drop`) and blocks
// the connection; alerts go to the worker's ring (never blocking: a full
// ring counts ids_alerts_dropped).
#include <algorithm>
#include <cstring>

#include "conntrack/tcp_segment.h"
#include "dataplane/ids_streams.h"
#include "dataplane/stages/stages.h"
#include "packet/checksum.h"
#include "packet/net_headers.h"

namespace vfpath {
namespace {


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

template <size_t N>
void copy_id(char (&out)[N], const std::string& id) {
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

enum class Scan : uint8_t { kPass, kDrop, kUninspected };

// The TCP checksum over the pseudo-header: a receiver discards a segment
// whose checksum is wrong, so its bytes must not stand in the stream for
// the ones it will take.
bool tcp_checksum_ok(const Frame& f, const PacketMeta& m) {
  const uint32_t l3_end = std::min<uint32_t>(f.len, static_cast<uint32_t>(m.l3_offset) + m.l3_length);
  if (l3_end <= m.l4_offset) return false;
  const uint32_t l4_len = l3_end - m.l4_offset;
  const uint8_t* l4 = f.data + m.l4_offset;
  const be16 sum = m.kind == PacketKind::kIpv6 ? ipv6_l4_checksum(m.src.bytes, m.dst.bytes, wire::kProtoTcp, l4, l4_len)
                                               : ipv4_l4_checksum(m.src.bytes, m.dst.bytes, wire::kProtoTcp, l4, l4_len);
  return sum.raw() == 0;
}

// Scans one buffer; alerts.
Scan scan_and_report(Inspection& in, const ids::PacketView& view, const PacketMeta& m, uint64_t flow_id,
                     IdsStream* st) {
  ids::ScanResult r;
  if (ids::scan(*in.rs.db, in.scratch, view, in.mode, r) != ids::ScanStatus::Ok) {
    in.w.counters.scan_errors.add(1);
    return Scan::kUninspected;
  }
  in.w.counters.packets_inspected.add(1);
  in.w.counters.bytes_inspected.add(view.payload_len);
  if (r.verdict == ids::Verdict::None) return Scan::kPass;
  if (r.verdict == ids::Verdict::Pass) {
    if (st) st->flags |= ids_stream_flag::kPassed;
    return Scan::kPass;
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
  return drop ? Scan::kDrop : Scan::kPass;
}

DropReason verdict_of(const Inspection& in, Scan s) {
  switch (s) {
    case Scan::kDrop: return DropReason::kIdsDrop;
    case Scan::kUninspected: return in.mode == ids::Mode::Prevent ? DropReason::kIdsUninspected : DropReason::kNone;
    case Scan::kPass: break;
  }
  return DropReason::kNone;
}

// The connection's stream entry, made or begun anew as the packet says.
IdsStream* stream_of(Inspection& in, const ct::KeyResult& k, uint64_t hash, const PacketMeta& m, CtNote note) {
  bool inserted = false;
  IdsStream* st = in.w.streams.find_or_insert(k.key, hash, in.ctx.now, inserted);
  if (!st) return nullptr;
  const uint8_t side = static_cast<uint8_t>(k.src_side);
  const bool tcp = m.l4_proto == wire::kProtoTcp;
  const bool syn = tcp && (m.tcp_flags & ct::tcp_flag::kSyn);
  const bool ack = m.tcp_flags & ct::tcp_flag::kAck;
  // The same ports, a new connection: conntrack admitted it as new (a
  // reopen after close), or untracked ports see a bare SYN after FIN/RST.
  if (!inserted && ((note == CtNote::kNew && (!tcp || (syn && !ack))) ||
                    (syn && !ack && note == CtNote::kUntracked && (st->flags & ids_stream_flag::kClosed)))) {
    IdsStreamTable::reset(*st);
    inserted = true;
  }
  if (inserted) {
    // The client: a SYN's sender, a SYN-ACK's receiver, else the first sender.
    st->client = syn && ack ? side ^ 1 : side;
    if (tcp && !syn) in.w.counters.midstream.add(1);
  }
  st->last_seen = in.ctx.now;
  if (st->ruleset != in.rs.serial || st->mode != static_cast<uint8_t>(in.mode)) {
    // Another rule set or mode decides from now on: what the old one
    // blocked, passed or alerted on is not this one's verdict.
    st->ruleset = in.rs.serial;
    st->mode = static_cast<uint8_t>(in.mode);
    st->flags &= static_cast<uint8_t>(~(ids_stream_flag::kBlocked | ids_stream_flag::kPassed));
    st->n_alerted = 0;
  }
  return st;
}

// A packet's flow key in one ENI's zone, computed (and its stream set
// prefetched) for the whole burst before any packet is inspected.
struct Keyed {
  ct::KeyResult k;
  uint64_t hash;
};

// One packet against one ENI's rule set: the drop reason, or kNone.
DropReason inspect(Inspection& in, const Frame& f, const PacketMeta& m, CtNote note, const Keyed& key) {
  if (m.has(meta_flags::kFragment)) {  // no reassembly for inspection: see the file comment
    in.w.counters.fragments_uninspected.add(1);
    return in.mode == ids::Mode::Prevent ? DropReason::kIdsUninspected : DropReason::kNone;
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
  // Without a stream entry, conntrack's view of the connection.
  view.established = note == CtNote::kEstablished || note == CtNote::kRevalidated;

  const ct::KeyResult& k = key.k;
  if (k.status != ct::KeyStatus::kOk)  // ICMP errors and the like: one block, no flow
    return verdict_of(in, scan_and_report(in, view, m, 0, nullptr));

  const uint64_t hash = key.hash;
  IdsStream* st = stream_of(in, k, hash, m, note);
  const bool tcp = m.l4_proto == wire::kProtoTcp;
  if (!st) {
    if (tcp && in.mode == ids::Mode::Prevent) return DropReason::kIdsUninspected;  // no carry: no stream to read
    view.stream_start = !tcp;
    return verdict_of(in, scan_and_report(in, view, m, hash, nullptr));
  }
  const uint8_t side = static_cast<uint8_t>(k.src_side);
  if (st->flags & ids_stream_flag::kBlocked) return DropReason::kIdsDrop;
  if (st->flags & ids_stream_flag::kPassed) return DropReason::kNone;
  st->seen |= static_cast<uint8_t>(1u << side);
  view.to_server = side == st->client;
  view.established = st->seen == 3;
  if (!tcp) return verdict_of(in, scan_and_report(in, view, m, hash, st));

  if (m.tcp_flags & (ct::tcp_flag::kFin | ct::tcp_flag::kRst)) st->flags |= ids_stream_flag::kClosed;
  if (m.tcp_flags & ct::tcp_flag::kSyn) view.established = false;
  ct::TcpSegment seg;
  if (!ct::read_tcp_segment(f.data, f.len, m, seg)) return DropReason::kNone;  // payload_of vouched for the header
  if (seg.has(ct::tcp_flag::kSyn) && seg.has(ct::tcp_flag::kAck)) {
    // A SYN-ACK that acknowledges data the client's SYN carried (TCP Fast
    // Open): the receiver took those bytes, scanned alone with the SYN.
    ids::StreamDir& c = st->dir[side ^ 1];
    const uint32_t ack_no = seg.ack;
    const int32_t ahead = static_cast<int32_t>(ack_no - c.next_seq);
    if ((c.flags & ids::stream_flag::kHasBase) && c.inspected == 0 && ahead > 0 && ahead <= 65535) {
      c.next_seq = ack_no;
      c.carry_len = 0;
      c.flags |= ids::stream_flag::kMidStream;
    }
  }
  if (len > 0 && !tcp_checksum_ok(f, m)) {
    in.w.counters.bad_checksum.add(1);
    ids::PacketView alone = view;
    alone.stream_start = false;
    return verdict_of(in, scan_and_report(in, alone, m, hash, st));
  }
  const ids::SegmentPlan plan = ids::accept_segment(st->dir[side], seg.seq, m.tcp_flags, payload, len, in.mode, in.w.window,
                                                    in.rs.db->stream_carry());
  if (plan.gap) in.w.counters.stream_gaps.add(1);
  if (plan.overlap_mismatch) in.w.counters.overlap_mismatch.add(1);
  if (plan.unverified) in.w.counters.retransmit_unverified.add(1);
  if (plan.uninspected_bytes) in.w.counters.bytes_uninspected.add(plan.uninspected_bytes);
  if (plan.drop == ids::SegmentPlan::Drop::kGap) return DropReason::kIdsOutOfOrder;
  if (plan.drop == ids::SegmentPlan::Drop::kOverlapMismatch) return DropReason::kIdsOverlap;

  Scan result = Scan::kPass;
  if (plan.scan_alone) {
    ids::PacketView alone = view;
    alone.stream_start = false;
    result = scan_and_report(in, alone, m, hash, st);
  }
  if (result == Scan::kPass && !(st->flags & ids_stream_flag::kPassed)) {
    // The window (or, with no new bytes, nothing: header-only rules still run).
    ids::PacketView w = view;
    w.in_stream = true;
    w.segment_len = len;
    w.payload = in.w.window;
    w.payload_len = plan.window_len;
    w.stream_start = plan.window_starts_stream;
    result = scan_and_report(in, w, m, hash, st);
  }
  return verdict_of(in, result);
}

// The ENI of packet i's pass that has IDS, or kNoEni.
uint16_t ids_eni(const Burst& b, const Snapshot& s, uint16_t i, int pass) {
  const Verdict& v = b.verdict[i];
  if (v.action != Action::kForward) return kNoEni;
  const PacketMeta& m = b.meta[i];
  if (m.kind != PacketKind::kIpv4 && m.kind != PacketKind::kIpv6) return kNoEni;
  const uint16_t eni = pass == 0 ? v.in_eni : v.out_eni;
  if (!is_local_eni(s, eni) || !(s.eni_ct[eni].flags & eni_ct_flags::kIds)) return kNoEni;
  return s.eni_ids[eni].ruleset == kNoIdsRuleset ? kNoEni : eni;
}

}  // namespace

void ids_stage(Burst& b, const Snapshot& s, PipelineContext& ctx) {
  if (!ctx.ids_in_burst || !ctx.ids) return;  // conntrack_stage saw no ENI with IDS in this burst
  // Keys first, every stream set prefetched: the table is larger than the
  // caches, and a set per packet was the stage's first stall.
  Keyed keys[2][kBurstSize];
  for (uint16_t i = 0; i < b.count; ++i)
    for (int pass = 0; pass < 2; ++pass) {
      const uint16_t eni = ids_eni(b, s, i, pass);
      if (eni == kNoEni || b.meta[i].has(meta_flags::kFragment)) continue;
      Keyed& k = keys[pass][i];
      k.k = ct::flow_key_of(b.meta[i], s.eni_ct[eni].zone);
      if (k.k.status != ct::KeyStatus::kOk) continue;
      k.hash = ct::flow_hash(k.k.key);
      ctx.ids->streams.prefetch(k.hash);
    }
  for (uint16_t i = 0; i < b.count; ++i) {
    Verdict& v = b.verdict[i];
    for (int pass = 0; pass < 2 && v.action == Action::kForward; ++pass) {
      const uint16_t eni = ids_eni(b, s, i, pass);
      if (eni == kNoEni) continue;
      const EniIds e = s.eni_ids[eni];
      const IdsRuleset& rs = *s.ids_rulesets[e.ruleset];
      const uint32_t at = ctx.ids_scratch == kControlScratch ? static_cast<uint32_t>(rs.scratch.size() - 1) : ctx.ids_scratch;
      if (at >= rs.scratch.size()) {  // a rule set compiled for fewer workers (a bug)
        ctx.ids->counters.scan_errors.add(1);
        if (e.mode == ids::Mode::Prevent) v.drop_with(DropReason::kIdsUninspected);
        continue;
      }
      Inspection in{s, ctx, *ctx.ids, eni, rs, e.mode, *rs.scratch[at]};
      const DropReason r = inspect(in, b.frames[i], b.meta[i], v.ct[pass], keys[pass][i]);
      if (r != DropReason::kNone) v.drop_with(r);
    }
  }
}

}  // namespace vfpath
