#include "dataplane/overlay_snapshot.h"
#include "dataplane/stages/acl_key.h"
#include "dataplane/stages/stages.h"

namespace vfpath {
namespace {

using acl::nacl::Direction;

// (subnet << 16 | NACL) of one end of a forwarded packet: a local ENI's, or
// for the remote end of overlay traffic (no ENI: kNoEni on ingress,
// kUplinkEni on egress) its subnet without a NACL — the remote host applies
// the NACL of its side, this appliance that of the local side.
inline uint32_t end_of(const Snapshot& s, uint16_t eni, uint16_t peer_subnet) {
  return eni < s.eni_subnet_nacl.size() ? s.eni_subnet_nacl[eni] : uint32_t{peer_subnet} << 16 | kDefaultNacl;
}

void run_pass(Burst& b, const Snapshot& s, const RouteResults& routes, Direction dir) {
  const NaclTable* table[kBurstSize];
  uint16_t index[kBurstSize];
  acl::Ipv4Key k4[kBurstSize];
  acl::Ipv6Key k6[kBurstSize];
  const uint8_t* keys[kBurstSize];
  uint32_t n = 0;
  for (uint16_t i = 0; i < b.count; ++i) {
    const Verdict& v = b.verdict[i];
    if (v.action != Action::kForward) continue;
    const PacketMeta& m = b.meta[i];
    // A non-first fragment has no ports to meet a port rule with: it takes
    // its first fragment's verdict, NACLs included (conntrack stage); so does
    // a first fragment too short for its TCP header (judged once complete).
    if (m.has(meta_flags::kFragment) && (m.frag_offset != 0 || m.has(meta_flags::kShortFirstFragment))) continue;
    const uint16_t peer_subnet = routes.peer_subnet[i];
    const uint32_t from = end_of(s, v.in_eni, peer_subnet), to = end_of(s, v.out_eni, peer_subnet);
    if ((from >> 16) == (to >> 16)) continue;  // same subnet: no NACL (AWS)
    const uint16_t nacl = static_cast<uint16_t>(dir == Direction::kEgress ? from : to);
    if (nacl == kDefaultNacl) continue;
    table[n] = &s.nacls[nacl].table(dir, m.kind == PacketKind::kIpv6);
    index[n] = i;
    keys[n] = make_acl_key(m, false, k4[n], k6[n]);
    ++n;
  }
  uint32_t userdata[kBurstSize];
  // One classify call per run of packets that meet the same table (usually
  // the whole burst: one VM, one subnet).
  for (uint32_t start = 0, end; start < n; start = end) {
    for (end = start + 1; end < n && table[end] == table[start];) ++end;
    table[start]->classify(keys + start, userdata + start, end - start);
  }
  const int pass = dir == Direction::kEgress ? 0 : 1;
  for (uint32_t j = 0; j < n; ++j) {
    Verdict& v = b.verdict[index[j]];
    v.nacl_hit[pass] = table[j]->hit_slots[userdata[j]] + 1;
    if (table[j]->verdicts[userdata[j]].action == acl::nacl::Action::kDeny) v.drop_with(DropReason::kNaclDeny);
  }
}

}  // namespace

void nacl_stage(Burst& b, const Snapshot& s, const RouteResults& routes) {
  if (s.nacls.empty()) return;
  run_pass(b, s, routes, Direction::kEgress);
  run_pass(b, s, routes, Direction::kIngress);
}

}  // namespace vfpath
