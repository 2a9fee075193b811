// Security groups of a configuration: limits, rule conversion, and the
// expansion of an ENI's groups into one allow-only rule list per direction,
// shared by validation (every problem with its field path) and compilation.
//
// Model (AWS): a group's rules only allow; an ENI's policy is the union of
// the rules of its groups (at most security_groups_per_eni). A rule names a
// protocol, ports or ICMP type/code, and peers: CIDRs, prefix lists (their
// CIDRs) and security groups (the addresses of that group's member ENIs).
// An ENI that names no group is in its VPC's implicit default group, whose
// rules are: ingress all protocols from the default group's members, egress
// everything to 0.0.0.0/0 and ::/0.
//
// Expanded, a policy is an acl::nacl::Nacl of the rules whose peer is a CIDR
// plus a list of set rules, whose peer is an address set (a referenced
// group's members, a prefix list's CIDRs) looked up at run time
// (acl/address_sets.h). All allow; they are numbered 1.. in expansion
// order (numbers are unique across both directions and both kinds, so one
// table of references explains any of them); evaluation order does not
// matter for allow-only rules, and the implicit deny is "no rule matched".
// The expansion does not depend on any set's contents, so a membership or
// prefix-list change leaves every policy as it was.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "acl/cidr.h"
#include "acl/nacl.h"
#include "control/vfpath.pb.h"

namespace vfpath::control {

struct SecurityGroupModel;  // model.h

struct SgLimits {
  uint32_t rules_per_direction = 60;
  uint32_t groups_per_eni = 5;
  uint32_t prefix_list_entries = 1000;
};
SgLimits sg_limits(const config::v1::Config& config);

// The rule spec for one peer CIDR of a group rule (validated by
// acl::nacl::validate: protocol, ports, ICMP type/code, the CIDR).
acl::nacl::RuleSpec sg_rule_spec(const config::v1::SgRule& rule, const std::string& cidr, int32_t number);

// What one rule costs against rules_per_direction: one per CIDR and per
// referenced group, max_entries (or the entry count) per prefix list.
uint32_t sg_rule_cost(const config::v1::SgRule& rule, const std::map<std::string, const config::v1::PrefixList*>& lists);

// Where an expanded entry came from: Explain names it.
struct SgRuleRef {
  std::string group;      // the group id, or "default" for a VPC's implicit group
  acl::nacl::Direction direction = acl::nacl::Direction::kIngress;
  int rule = 0;           // index in the group's ingress/egress list (-1: implicit default rule)
  std::string peer;       // the CIDR, or the set: "group sg-x", "prefix list pl-x", "default group"
};

// A rule whose peer is an address set: `match` applies to both families
// (its cidr is unused), `set` is the set's name (group_set_name,
// prefix_list_set_name).
struct SetRuleSpec {
  acl::nacl::Direction direction = acl::nacl::Direction::kIngress;
  acl::nacl::NaclRule match;
  std::string set;
};

struct ExpandedPolicy {
  acl::nacl::Nacl nacl;             // all entries allow; number n -> refs[n - 1]
  std::vector<SetRuleSpec> set_rules;
  std::vector<SgRuleRef> refs;
  // Per family (0 IPv4, 1 IPv6) and protocol (0 TCP, 1 UDP): allowed by an
  // all-open rule (CIDR peer /0, all ports) in BOTH directions, so AWS does
  // not track such flows (ICMP and other protocols are always tracked). A
  // prefix list holding 0.0.0.0/0 does not count: whether a flow is tracked
  // must not change with a list's contents.
  bool untracked[2][2] = {};
};

// The names of address sets: a group's members ("sg:<group>", the implicit
// default group as "sg:default:<vpc>") and a prefix list ("pl:<id>").
std::string group_set_name(const std::string& group_key);
std::string prefix_list_set_name(const std::string& id);

struct Model;  // model.h

// The model's groups, indexed for expansion. Reads a model with no problems;
// the model must outlive it.
class SgModel {
 public:
  explicit SgModel(const Model& model);

  // The effective groups of ENI i: its own, or "default:<vpc>" for its
  // VPC's implicit default group.
  const std::vector<std::string>& groups_of(int eni) const { return eni_groups_[eni]; }

  // The policy of a set of groups (as groups_of gives them) in VPC `vpc`.
  // Throws CompileError when the expansion exceeds the classifier's rule numbers.
  ExpandedPolicy expand(const std::vector<std::string>& groups, const std::string& vpc) const;

  // What expand(groups, vpc) is built from — the groups' rules and the keys
  // of the sets they name — as one string: equal strings, equal policies.
  std::string fingerprint(const std::vector<std::string>& groups, const std::string& vpc,
                          const std::map<std::string, uint16_t>& set_keys) const;

  // Every address set of the model — each group's members (/32, /128),
  // each prefix list's CIDRs, each VPC's default group — by name. A group or
  // list nobody references is a set all the same.
  std::map<std::string, std::vector<acl::Cidr>> address_sets() const;

 private:
  const Model& model_;
  std::map<std::string, const SecurityGroupModel*> groups_;
  std::vector<std::vector<std::string>> eni_groups_;
  // group key ("default:" + vpc for a default group) -> member addresses
  std::map<std::string, std::vector<acl::Cidr>> members_;
};

}  // namespace vfpath::control
