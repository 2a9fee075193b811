// The security-group verbs of vfpathctl, in the style of the original EC2
// command-line tools:
//   vfpathctl authorize GROUP [--egress] -P tcp -p 22 -s 10.0.0.0/8 [-g sg-x] [--prefix-list pl-x]
//   vfpathctl revoke    GROUP ... (the same arguments)
// A rule is (direction, protocol, ports or ICMP type:code, peers). authorize
// adds the peers to an existing rule of the same shape, or adds the rule;
// revoke removes the named peers, and the rule when none is left. Pure
// editing of the group's message: the caller reads the configuration in
// force and pushes the edited group as a delta against its generation.
#pragma once

#include <string>
#include <vector>

#include "control/vfpath.pb.h"

namespace vfpath::ctl {

struct SgRuleArgs {
  bool egress = false;
  std::string protocol = "tcp";  // -P: tcp, udp, icmp, icmpv6, all/-1, or a number
  std::string ports;             // -p: "22", "1024-65535"; empty: all (tcp/udp)
  std::string icmp;              // -t: "8:-1" (type:code, -1 any); empty: any
  std::vector<std::string> cidrs;         // -s
  std::vector<std::string> groups;        // -g
  std::vector<std::string> prefix_lists;  // --prefix-list
};

// The rule the arguments describe, or a usage error in `error`.
bool rule_from_args(const SgRuleArgs& a, config::v1::SgRule& rule, std::string& error);

// authorize: true when something was added (false: every peer was already there).
bool authorize(config::v1::SecurityGroup& g, bool egress, const config::v1::SgRule& rule);
// revoke: false (and no change) when the group has no such rule with those peers.
bool revoke(config::v1::SecurityGroup& g, bool egress, const config::v1::SgRule& rule, std::string& error);

}  // namespace vfpath::ctl
