// Connection tracking and security groups (DESIGN §5-6). Two passes over the
// forwarded packets: the sender ENI's zone with its egress groups, then the
// receiver ENI's zone with its ingress groups (a packet between two local
// ENIs passes both, as in AWS, and is tracked in both zones). Per pass:
//   1. TCP/UDP allowed all-open both ways is untracked (AWS): no table work;
//      an ICMP error quoting a connection this zone tracks is RELATED; one
//      quoting nothing the zone knows meets the zone's rules as ICMP and is
//      never tracked — so a third party's error (a router's frag-needed or
//      packet-too-big) passes on the receiver's connection alone, the
//      sender's egress rules still applying to it;
//   2. the rest: flow keys and hashes, one bulk lookup;
//   3. a hit is tracked (TCP windows, timers); with `revalidate` on and an
//      older policy generation, re-checked first;
//   4. a miss (or a TCP reopen) is classified against the security groups in
//      runs of one table, and admitted if allowed — in the sender's zone
//      only after the receiver's pass let the packet through.
// Then first fragments record what they met and non-first fragments follow
// it (after both passes, so the two may share a burst; one that came first
// is held by the caller and resumed later), and the entries made for a
// packet dropped after all are erased: a refused connection holds no table
// space or allowance.
// Each pass is four functions, one concern each (gather, track_hits,
// decide_misses with the security-group decision of sg_decision.h, admit),
// compiled per family mix of the burst (families.h).
// Drops: sg_deny, tcp_invalid, conntrack_full, icmp_unrelated,
// fragment_orphan, fragment_overlap; a fragment ahead of its first is kHold.
#include "conntrack/related.h"
#include "conntrack/tracker.h"
#include "packet/net_headers.h"
#include "dataplane/stages/families.h"
#include "dataplane/stages/sg_decision.h"
#include "dataplane/stages/stages.h"

namespace vfpath {
namespace {

using acl::nacl::Direction;

// A new connection the sender's groups allow, admitted in the sender's zone
// only once the receiver's groups have let the packet through: a connection
// the receiver refuses must not take the sender's allowance, not even for
// the rest of the burst.
struct PendingAdmit {
  uint16_t i;
  ct::Side side;
  ct::FlowKey key;
  uint64_t hash;
  ct::CtPacket pkt;
};

struct PassState {
  Burst& b;
  const Snapshot& s;
  PipelineContext& ctx;
  Direction dir;
  int pass;                     // 0 egress, 1 ingress
  ct::EntryId* created;         // per packet: the entry this pass created
  PendingAdmit* pending;        // egress: admissions deferred to the end of the stage
  uint32_t* pending_count;
};

uint16_t eni_of(const Verdict& v, Direction dir) { return dir == Direction::kEgress ? v.in_eni : v.out_eni; }


// The outcome of a first fragment in one zone, for its later fragments.
void record_first_fragment(PipelineContext& ctx, const PacketMeta& m, uint16_t zone, DropReason outcome) {
  // Where the transport header's fixed part ends, in fragment-offset terms
  // (from the start of the fragmentable part): IPv4, right after the IP
  // header; IPv6, after the fragment header (taken to follow the fixed
  // header: an earlier extension header only makes the bound stricter).
  const uint16_t l4_min = m.l4_proto == wire::kProtoTcp ? 20 : 8;
  uint16_t end = l4_min;
  if (m.kind == PacketKind::kIpv6) {
    const int ext = m.l4_offset - m.l3_offset - 40 - 8;
    if (ext > 0) end = static_cast<uint16_t>(end + ext);
  }
  ctx.fragments->record(ct::fragment_key_of(m, zone), outcome, end, ctx.now);
}

void admit_one(PassState& st, uint16_t i, const ct::KeyResult& k, uint64_t hash, const ct::CtPacket& pkt) {
  Verdict& v = st.b.verdict[i];
  ct::AdmitResult a = ct::admit(*st.ctx.flows, k, hash, pkt, st.ctx.now, static_cast<uint32_t>(st.s.generation), true);
  if (a.verdict == ct::CtVerdict::kPass) {
    st.created[i] = a.id;
  } else {
    v.ct[st.pass] = CtNote::kNone;
    v.drop_with(a.verdict == ct::CtVerdict::kFull ? DropReason::kConntrackFull : DropReason::kTcpInvalid);
  }
}

// The packets of one pass that need the table, with their keys; batch slot j
// is burst packet index[j].
struct Batch {
  uint32_t n = 0;
  uint16_t index[kBurstSize];
  ct::Side sides[kBurstSize];  // the key and its side kept apart: see make_key on copies
  ct::FlowKey flat[kBurstSize];
  uint64_t hashes[kBurstSize];
  ct::EntryId ids[kBurstSize];
  ct::CtPacket pkts[kBurstSize];
  uint32_t miss[kBurstSize];  // batch slots to be decided by the security groups
  uint32_t misses = 0;
};

// Step 1: decides what needs no table lookup (untracked all-open TCP/UDP;
// ICMP errors, RELATED or icmp_unrelated) and gathers the keys of the rest.
template <Families F>
void gather(PassState& st, Batch& q) {
  Burst& b = st.b;
  const Snapshot& s = st.s;
  ct::FlowTable& flows = *st.ctx.flows;
  uint8_t ids_seen = 0;
  for (uint16_t i = 0; i < b.count; ++i) {
    Verdict& v = b.verdict[i];
    if (v.action != Action::kForward) continue;
    const uint16_t eni = eni_of(v, st.dir);
    if (!is_local_eni(s, eni)) continue;
    const EniCt& ec = s.eni_ct[eni];
    ids_seen |= ec.flags;
    const PacketMeta& m = b.meta[i];
    if (m.has(meta_flags::kFragment) && m.frag_offset != 0) continue;  // decided last: follow_first_fragments
    if (m.has(meta_flags::kShortFirstFragment)) {
      // No ports yet: the worker holds it and judges the header once later
      // fragments complete it (from an ENI only; from the overlay, refused).
      if (st.ctx.hold_early_fragments && st.pass == 0) v.action = Action::kHold;
      else v.drop_with(DropReason::kMalformed);
      continue;
    }
    // Untracked TCP/UDP first: it needs no key at all.
    const int fam = is_ipv6<F>(m) ? 2 : 0;
    if ((m.l4_proto == wire::kProtoTcp && (ec.untracked >> fam & 1)) ||
        (m.l4_proto == wire::kProtoUdp && (ec.untracked >> (fam + 1) & 1))) {
      v.ct[st.pass] = CtNote::kUntracked;
      continue;
    }
    ct::KeyResult k = ct::flow_key_of(m, ec.zone);
    if (k.status == ct::KeyStatus::kIcmpError) {
      ct::KeyResult inner;
      const Frame& f = b.frames[i];
      ct::EntryId id = ct::kNoEntry;
      if (ct::related_key(f.data, f.len, m, ec.zone, inner))
        id = flows.lookup(inner.key, ct::flow_hash(inner.key), st.ctx.now);
      if (id != ct::kNoEntry) {
        v.ct[st.pass] = CtNote::kRelated;
      } else if (const uint16_t rule = sg_rule_allowing(s, *s.sg_policies[ec.sg_policy], st.dir, m, false)) {
        v.sg_rule[st.pass] = rule;  // e.g. a router's frag-needed: related only in the receiver's zone
        v.ct[st.pass] = CtNote::kIcmpAllowed;
      } else {
        v.drop_with(DropReason::kIcmpUnrelated);
      }
      continue;
    }
    if (k.status != ct::KeyStatus::kOk) {  // kNoPorts cannot pass the parser; kNotIp is not forwarded
      v.drop_with(DropReason::kMalformed);
      continue;
    }
    q.index[q.n] = i;
    q.sides[q.n] = k.src_side;
    q.flat[q.n] = k.key;
    q.hashes[q.n] = ct::flow_hash(k.key);
    flows.prefetch(q.hashes[q.n]);
    ++q.n;
  }
  if (ids_seen & eni_ct_flags::kIds) st.ctx.ids_in_burst = true;
}

// A tracked connection whose policy generation is older, with `revalidate`
// on: re-checked as its originator sent it (a reply is the reverse of the
// original packet, which met the other direction's rules). False: no rule
// allows it any more, and it is gone.
bool still_allowed(PassState& st, const Batch& q, uint32_t j, const EniCt& ec, ct::FlowEntry& e) {
  const bool reply = e.dir_of(q.sides[j]) == ct::Dir::kReply;
  const Direction original = reply ? (st.dir == Direction::kEgress ? Direction::kIngress : Direction::kEgress) : st.dir;
  if (sg_rule_allowing(st.s, *st.s.sg_policies[ec.sg_policy], original, st.b.meta[q.index[j]], reply) == 0) {
    st.ctx.flows->erase(q.ids[j]);
    return false;
  }
  e.generation = static_cast<uint32_t>(st.s.generation);
  return true;
}

// Step 3: hits are tracked now (TCP windows, timers), after revalidation;
// misses, and SYNs reopening a closed connection, go to q.miss.
void track_hits(PassState& st, Batch& q) {
  Burst& b = st.b;
  const Snapshot& s = st.s;
  ct::FlowTable& flows = *st.ctx.flows;
  const uint32_t generation = static_cast<uint32_t>(s.generation);
  for (uint32_t j = 0; j < q.n; ++j) {
    const uint16_t i = q.index[j];
    Verdict& v = b.verdict[i];
    const Frame& f = b.frames[i];
    if (!ct::ct_packet_of(f.data, f.len, b.meta[i], q.pkts[j])) {
      v.drop_with(DropReason::kMalformed);
      continue;
    }
    if (q.ids[j] == ct::kNoEntry) {
      q.miss[q.misses++] = j;
      continue;
    }
    const EniCt& ec = s.eni_ct[eni_of(v, st.dir)];
    ct::FlowEntry& e = flows.entry(q.ids[j]);
    CtNote note = CtNote::kEstablished;
    if ((ec.flags & eni_ct_flags::kRevalidate) && e.generation != generation) {
      if (!still_allowed(st, q, j, ec, e)) {
        v.drop_with(DropReason::kSgDeny);
        continue;
      }
      note = CtNote::kRevalidated;
    }
    switch (ct::track(flows, q.ids[j], q.sides[j], q.pkts[j], st.ctx.now)) {
      case ct::CtVerdict::kPass:
      case ct::CtVerdict::kRelated:
        v.ct[st.pass] = note;
        break;
      case ct::CtVerdict::kNew:  // a SYN reopening a closed connection: policy again
        q.miss[q.misses++] = j;
        break;
      default:
        v.drop_with(DropReason::kTcpInvalid);
        break;
    }
  }
}

// Step 4: the security groups decide each miss; an allowed one is admitted
// (egress: deferred until the receiver's pass let the packet through).
template <Families F>
void decide_misses(PassState& st, const Batch& q) {
  Burst& b = st.b;
  const Snapshot& s = st.s;
  const SgPolicy* policy[kBurstSize];
  const PacketMeta* meta[kBurstSize];
  for (uint32_t k = 0; k < q.misses; ++k) {
    const uint16_t i = q.index[q.miss[k]];
    policy[k] = s.sg_policies[s.eni_ct[eni_of(b.verdict[i], st.dir)].sg_policy].get();
    meta[k] = &b.meta[i];
  }
  uint16_t rules[kBurstSize];
  sg_rules_allowing<F>(s, st.dir, policy, meta, q.misses, rules);
  for (uint32_t k = 0; k < q.misses; ++k) {
    const uint32_t j = q.miss[k];
    const uint16_t i = q.index[j];
    Verdict& v = b.verdict[i];
    if (rules[k] == 0) {
      v.drop_with(DropReason::kSgDeny);
      continue;
    }
    v.sg_rule[st.pass] = rules[k];
    v.ct[st.pass] = CtNote::kNew;
    if (st.pending) {
      st.pending[(*st.pending_count)++] = PendingAdmit{i, q.sides[j], q.flat[j], q.hashes[j], q.pkts[j]};
      continue;
    }
    admit_one(st, i, ct::KeyResult{q.flat[j], q.sides[j], ct::KeyStatus::kOk}, q.hashes[j], q.pkts[j]);
  }
}

template <Families F>
void run_pass(PassState& st) {
  Batch q;
  gather<F>(st, q);
  if (q.n == 0) return;
  st.ctx.flows->lookup_bulk(q.flat, q.hashes, q.n, st.ctx.now, q.ids);  // step 2
  track_hits(st, q);
  if (q.misses) decide_misses<F>(st, q);
}

// First fragments record what they met in each zone, for their later
// fragments (follow_first_fragments). Last, so a first fragment and its
// followers may share a burst.
void record_first_fragments(Burst& b, const Snapshot& s, PipelineContext& ctx) {
  for (uint16_t i = 0; i < b.count; ++i) {
    const PacketMeta& m = b.meta[i];
    if (!m.has(meta_flags::kFragment) || m.frag_offset != 0) continue;
    const Verdict& v = b.verdict[i];
    if (v.ct[0] == CtNote::kNone && v.ct[1] == CtNote::kNone && v.drop == DropReason::kNone) continue;
    const uint16_t enis[2] = {v.in_eni, v.out_eni};
    for (int pass = 0; pass < 2; ++pass)
      if (is_local_eni(s, enis[pass])) record_first_fragment(ctx, m, s.eni_ct[enis[pass]].zone, v.drop);
  }
}

}  // namespace

void conntrack_stage(Burst& b, const Snapshot& s, PipelineContext& ctx) {
  ctx.ids_in_burst = false;
  ct::EntryId created[2][kBurstSize];
  for (uint16_t i = 0; i < b.count; ++i) created[0][i] = created[1][i] = ct::kNoEntry;
  PendingAdmit pending[kBurstSize];
  uint32_t pending_count = 0;
  PassState egress{b, s, ctx, Direction::kEgress, 0, created[0], pending, &pending_count};
  PassState ingress{b, s, ctx, Direction::kIngress, 1, created[1], nullptr, nullptr};
  with_families(forwarded_families(b), [&]<Families F>() {
    run_pass<F>(egress);
    run_pass<F>(ingress);
  });
  for (uint32_t p = 0; p < pending_count; ++p) {
    const PendingAdmit& a = pending[p];
    if (b.verdict[a.i].action == Action::kForward)
      admit_one(egress, a.i, ct::KeyResult{a.key, a.side, ct::KeyStatus::kOk}, a.hash, a.pkt);
  }
  record_first_fragments(b, s, ctx);
  follow_first_fragments(b, s, ctx, true);
  // A dropped packet holds no entry in either zone.
  for (uint16_t i = 0; i < b.count; ++i) {
    if (b.verdict[i].action != Action::kDrop) continue;
    for (auto* c : created)
      if (c[i] != ct::kNoEntry) ctx.flows->erase(c[i]);
  }
}

void follow_first_fragments(Burst& b, const Snapshot& s, PipelineContext& ctx, bool may_hold, const bool* judged_whole) {
  for (uint16_t i = 0; i < b.count; ++i) {
    const PacketMeta& m = b.meta[i];
    Verdict& v = b.verdict[i];
    if (!m.has(meta_flags::kFragment) || (m.frag_offset == 0 && !m.has(meta_flags::kShortFirstFragment))) continue;
    // A piece of a header judged whole (a short first fragment and those
    // completing it) lies inside the judged header by design: no overlap.
    const uint16_t offset = judged_whole && judged_whole[i] ? uint16_t{0xffff} : m.frag_offset;
    if (v.action == Action::kHold) {
      if (may_hold) continue;  // a short first fragment gather held: the worker judges it
      v.action = Action::kForward;  // resumed
    }
    const uint16_t enis[2] = {v.in_eni, v.out_eni};
    for (int pass = 0; pass < 2 && v.action == Action::kForward; ++pass) {
      if (!is_local_eni(s, enis[pass])) continue;
      const DropReason r = ctx.fragments->verdict(ct::fragment_key_of(m, s.eni_ct[enis[pass]].zone), offset, ctx.now);
      if (r == DropReason::kFragmentOrphan && may_hold && ctx.hold_early_fragments) {
        v.action = Action::kHold;  // the first fragment will tell, in every zone
      } else if (r != DropReason::kNone) {
        v.drop_with(r);
      } else {
        v.ct[pass] = CtNote::kFragment;
      }
    }
  }
}

}  // namespace vfpath
