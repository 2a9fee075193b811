// Network ACLs of a configuration: the conversion from the schema to the
// acl::nacl model, shared by validation (which reports every problem with its
// field path) and compilation (which builds the classifiers).
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "acl/nacl.h"
#include "control/vfpath.pb.h"

namespace vfpath::control {

inline constexpr uint32_t kDefaultNaclRulesPerDirection = 20;

acl::nacl::Limits nacl_limits(const config::v1::Config& config);

// The match part shared by NACL entries and security-group rules (protocol,
// destination ports, ICMP type/code) into a rule spec; `R` is
// config::v1::NaclEntry or config::v1::SgRule.
template <typename R>
void fill_match(const R& rule, acl::nacl::RuleSpec& r) {
  r.protocol = rule.protocol().empty() ? "-1" : rule.protocol();
  if (rule.has_port_range()) {
    r.port_from = static_cast<int32_t>(std::min<uint32_t>(rule.port_range().from(), 0x7fffffff));
    r.port_to = static_cast<int32_t>(std::min<uint32_t>(rule.port_range().to(), 0x7fffffff));
  }
  if (rule.has_icmp()) {
    r.icmp_type = rule.icmp().type();
    r.icmp_code = rule.icmp().code();
  }
}

// One problem of one NACL, with the path of the entry at fault.
struct NaclProblem {
  std::string path;
  std::string message;
};

// Builds the NACL, or reports each invalid entry (with `path` as prefix, e.g.
// "network_acls[0]") and returns a NACL of the valid entries only.
acl::nacl::Nacl build_nacl(const config::v1::NetworkAcl& n, const acl::nacl::Limits& limits,
                           const std::string& path, std::vector<NaclProblem>& problems);

}  // namespace vfpath::control
