// Compiling one direction and family of a NACL into classifier rules.
//
// The rules come out in entry-number order (so classifier priority =
// number order), and userdata u from classify() indexes the verdict table:
// verdicts[0] is the implicit deny, verdicts[u] the entry that matched. The
// same u is the hit-counter index (counters sized verdicts.size()), so one
// classify gives the verdict, the rule number and the counter to bump.
#pragma once

#include <vector>

#include "acl/keys.h"
#include "acl/nacl.h"
#include "acl/rule.h"

namespace acl::nacl {

struct CompiledNacl {
  Family family = Family::kIpv4;
  Direction direction = Direction::kIngress;
  std::vector<Rule> rules;         // build a Classifier / LinearClassifier from these
  std::vector<Verdict> verdicts;   // size rules.size() + 1

  // Fast path: one load; userdata comes from the classifier built from rules.
  const Verdict& verdict(uint32_t userdata) const { return verdicts[userdata]; }
};

CompiledNacl compile(const Nacl& nacl, Direction dir, Family family);

// The classifier key for a packet (ICMP type/code in sport/dport).
Ipv4Key to_ipv4_key(const FiveTuple& p);
Ipv6Key to_ipv6_key(const FiveTuple& p);

}  // namespace acl::nacl
