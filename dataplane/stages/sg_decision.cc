#include "dataplane/stages/sg_decision.h"

namespace vfpath {

uint16_t sg_rule_allowing(const Snapshot& s, const SgPolicy& p, acl::nacl::Direction dir, const PacketMeta& m,
                          bool reverse) {
  acl::Ipv4Key k4;
  acl::Ipv6Key k6;
  const uint8_t* key = make_acl_key(m, reverse, k4, k6);
  const bool ipv6 = m.kind == PacketKind::kIpv6;
  const NaclTable& t = p.table(dir, ipv6);
  uint32_t u = 0;
  t.classify(&key, &u, 1);
  return u ? t.verdicts[u].rule_number : p.set_rule_allowing(dir, ipv6, key, s.address_sets.get());
}

}  // namespace vfpath
