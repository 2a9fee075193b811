#include "control/nacl_config.h"

namespace vfpath::control {

acl::nacl::Limits nacl_limits(const config::v1::Config& c) {
  acl::nacl::Limits l;
  l.max_rules_per_direction =
      c.limits().nacl_rules_per_direction() ? c.limits().nacl_rules_per_direction() : kDefaultNaclRulesPerDirection;
  return l;
}

namespace {

acl::nacl::RuleSpec to_spec(const config::v1::NaclEntry& e) {
  acl::nacl::RuleSpec r;
  r.number = e.rule_number();
  r.action = e.action() == config::v1::ALLOW ? acl::nacl::Action::kAllow : acl::nacl::Action::kDeny;
  r.cidr = e.cidr();
  fill_match(e, r);
  return r;
}

}  // namespace

acl::nacl::Nacl build_nacl(const config::v1::NetworkAcl& n, const acl::nacl::Limits& limits,
                           const std::string& path, std::vector<NaclProblem>& problems) {
  acl::nacl::Nacl nacl = acl::nacl::Nacl::deny_all(limits);
  auto add = [&](acl::nacl::Direction dir, const char* field,
                 const google::protobuf::RepeatedPtrField<config::v1::NaclEntry>& entries) {
    // Entries over the limit are named once, then counted: a 10,000-entry
    // push against the default 20 gets two lines, not 9,980.
    int over_limit = 0;
    for (int j = 0; j < entries.size(); ++j) {
      std::string at = path + "." + field + "[" + std::to_string(j) + "]";
      if (entries[j].action() == config::v1::ACTION_UNSPECIFIED) {
        problems.push_back({at + ".action", "must be ALLOW or DENY"});
        continue;
      }
      auto status = nacl.add(dir, to_spec(entries[j]));
      if (status.ok()) continue;
      if (status.error().code == acl::Errc::kRuleLimitExceeded && over_limit++ > 0) continue;
      problems.push_back({at, status.error().message});
    }
    if (over_limit > 1)
      problems.push_back({path + "." + field, std::to_string(over_limit) + " entries over the limit of " +
                                                 std::to_string(limits.max_rules_per_direction) +
                                                 " per family (limits.nacl_rules_per_direction raises it)"});
  };
  add(acl::nacl::Direction::kIngress, "ingress", n.ingress());
  add(acl::nacl::Direction::kEgress, "egress", n.egress());
  return nacl;
}

}  // namespace vfpath::control
