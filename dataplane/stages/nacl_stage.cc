#include <arpa/inet.h>

#include <cstring>

#include "acl/keys.h"
#include "dataplane/net_headers.h"
#include "dataplane/stages/stages.h"

namespace vfpath {
namespace {

using acl::nacl::Direction;

// The classifier key from the metadata: addresses and ports exactly as on
// the wire; ICMP type/code in the port fields (acl/rule.h).
template <typename Key>
void fill_ports(const PacketMeta& m, Key& k) {
  if (!m.has(meta_flags::kHasL4)) {
    k.sport = k.dport = 0;
  } else if (m.l4_proto == wire::kProtoIcmp || m.l4_proto == wire::kProtoIcmpv6) {
    k.sport = htons(m.type);
    k.dport = htons(m.code);
  } else {
    k.sport = m.src_port.raw();
    k.dport = m.dst_port.raw();
  }
}

void run_pass(Burst& b, const Snapshot& s, Direction dir) {
  const NaclTable* table[kBurstSize];
  uint16_t index[kBurstSize];
  acl::Ipv4Key k4[kBurstSize];
  acl::Ipv6Key k6[kBurstSize];
  const uint8_t* keys[kBurstSize];
  uint32_t n = 0;
  for (uint16_t i = 0; i < b.count; ++i) {
    const Verdict& v = b.verdict[i];
    if (v.action != Action::kForward) continue;
    const uint32_t from = s.eni_subnet_nacl[v.in_eni], to = s.eni_subnet_nacl[v.out_eni];
    if ((from >> 16) == (to >> 16)) continue;  // same subnet: no NACL (AWS)
    const uint16_t nacl = static_cast<uint16_t>(dir == Direction::kEgress ? from : to);
    if (nacl == kDefaultNacl) continue;
    const PacketMeta& m = b.meta[i];
    const bool v6 = m.kind == PacketKind::kIpv6;
    table[n] = &s.nacls[nacl].table(dir, v6);
    index[n] = i;
    if (v6) {
      acl::Ipv6Key& k = k6[n];
      k.proto = m.l4_proto;
      std::memcpy(k.src, m.src.bytes, 16);
      std::memcpy(k.dst, m.dst.bytes, 16);
      fill_ports(m, k);
      keys[n] = reinterpret_cast<const uint8_t*>(&k);
    } else {
      acl::Ipv4Key& k = k4[n];
      k.proto = m.l4_proto;
      k.src = m.src.words[0];
      k.dst = m.dst.words[0];
      fill_ports(m, k);
      keys[n] = reinterpret_cast<const uint8_t*>(&k);
    }
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

void nacl_stage(Burst& b, const Snapshot& s) {
  if (s.nacls.empty()) return;
  run_pass(b, s, Direction::kEgress);
  run_pass(b, s, Direction::kIngress);
}

}  // namespace vfpath
