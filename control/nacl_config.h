// Network ACLs of a configuration: the conversion from the schema to the
// acl::nacl model, shared by validation (which reports every problem with its
// field path) and compilation (which builds the classifiers).
#pragma once

#include <string>
#include <vector>

#include "acl/nacl.h"
#include "control/vfpath.pb.h"

namespace vfpath::control {

inline constexpr uint32_t kDefaultNaclRulesPerDirection = 20;

acl::nacl::Limits nacl_limits(const config::v1::Config& config);

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
