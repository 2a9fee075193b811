// Security-group rules whose peer is an address set (a referenced group's
// members, a prefix list): kept out of the compiled classifier so that the
// set can change in place (acl/address_sets.h). Checked only for a new
// connection the classifier's CIDR rules did not allow, so their cost is per
// connection, never per packet of a tracked one.
#pragma once

#include <cstdint>
#include <span>

#include "acl/nacl.h"
#include "acl/address_sets.h"

namespace vfpath {

// match: protocol, ports, ICMP type/code as any rule's; match.number is the
// rule number (the same numbering as the policy's classifier verdicts, so
// one list of names explains both); match.cidr is unused.
struct SgSetRule {
  acl::nacl::NaclRule match;
  uint16_t set = 0;
};

// The number of the first rule of `rules` that allows the packet whose
// classifier key (acl/keys.h, IPv6 layout when `ipv6`) is `key`, in
// direction `dir` (the peer is the source address for ingress, the
// destination for egress); 0 when none does.
uint16_t match_set_rules(std::span<const SgSetRule> rules, const AddressSets& sets, const uint8_t* key,
                         bool ipv6, acl::nacl::Direction dir);

}  // namespace vfpath
