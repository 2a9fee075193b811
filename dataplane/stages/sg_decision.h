// The security-group decision, the policy half of the conntrack stage: is a
// connection's first packet (or a tracked connection re-checked after a
// policy change) allowed by the ENI's groups in a direction? The answer is
// the admitting rule's number in the ENI's SgPolicy (rule_names[n - 1] for
// Explain), 0 when no rule allows. The table rules (a classifier per
// direction and family) are asked first; a packet none allows meets the
// policy's set rules (peers named by security group or prefix list).
#pragma once

#include <cstdint>

#include "acl/nacl.h"
#include "dataplane/snapshot.h"
#include "dataplane/stages/acl_key.h"
#include "dataplane/stages/families.h"
#include "packet/packet_meta.h"

namespace vfpath {

// One packet; `reverse`: decide the opposite direction's packet (a reply
// re-checked as its connection's original packet).
uint16_t sg_rule_allowing(const Snapshot& s, const SgPolicy& p, acl::nacl::Direction dir, const PacketMeta& m,
                          bool reverse);

// The packets meta[q] of ENIs with policies policy[q], q < n, in direction
// `dir`: rules[q]. One classify call per run of packets meeting the same
// table (usually the whole batch: one VM).
template <Families F>
void sg_rules_allowing(const Snapshot& s, acl::nacl::Direction dir, const SgPolicy* const* policy,
                       const PacketMeta* const* meta, uint32_t n, uint16_t* rules) {
  const NaclTable* table[kBurstSize];
  acl::Ipv4Key k4[kBurstSize];
  acl::Ipv6Key k6[kBurstSize];
  const uint8_t* keys[kBurstSize];
  uint32_t userdata[kBurstSize];
  for (uint32_t q = 0; q < n; ++q) {
    table[q] = &policy[q]->table(dir, is_ipv6<F>(*meta[q]));
    keys[q] = is_ipv6<F>(*meta[q]) ? make_acl_key6(*meta[q], false, k6[q]) : make_acl_key4(*meta[q], false, k4[q]);
  }
  for (uint32_t start = 0, end; start < n; start = end) {
    for (end = start + 1; end < n && table[end] == table[start];) ++end;
    table[start]->classify(keys + start, userdata + start, end - start);
  }
  for (uint32_t q = 0; q < n; ++q)
    rules[q] = userdata[q] ? table[q]->verdicts[userdata[q]].rule_number
                           : policy[q]->set_rule_allowing(dir, is_ipv6<F>(*meta[q]), keys[q], s.address_sets.get());
}

}  // namespace vfpath
