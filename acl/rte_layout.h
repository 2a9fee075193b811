// Internal: how Rules and keys map onto rte_acl fields. Only classifier.cc
// includes this (it pulls in rte_acl.h).
//
// IPv4 (5 fields)                      IPv6 (11 fields)
//   0 proto BITMASK u8   input 0         0     proto BITMASK u8      input 0
//   1 src   MASK    u32  input 1         1..4  src words MASK u32    input 1..4
//   2 dst   MASK    u32  input 2         5..8  dst words MASK u32    input 5..8
//   3 sport RANGE   u16  input 3         9     sport RANGE u16       input 9
//   4 dport RANGE   u16  input 3 (same 4-byte group as sport)
//                                        10    dport RANGE u16       input 9
// Offsets are the Ipv4Key / Ipv6Key field offsets (acl/keys.h). Rule values
// are host order; keys are network order (rte_acl's convention).
#pragma once

#include <rte_acl.h>

#include <span>
#include <vector>

#include "acl/rule.h"

namespace acl::detail {

inline constexpr uint32_t kIpv4Fields = 5;
inline constexpr uint32_t kIpv6Fields = 11;

RTE_ACL_RULE_DEF(AclRule4, kIpv4Fields);
RTE_ACL_RULE_DEF(AclRule6, kIpv6Fields);

// Field definitions for one family; num_categories = 1.
rte_acl_config make_config(Family family, size_t max_size);

// rules[i] is rule number base + i of the whole set: priority
// RTE_ACL_MAX_PRIORITY - (base + i), userdata base + i + 1.
std::vector<AclRule4> to_acl_rules4(std::span<const Rule> rules, size_t base);
std::vector<AclRule6> to_acl_rules6(std::span<const Rule> rules, size_t base);

}  // namespace acl::detail
