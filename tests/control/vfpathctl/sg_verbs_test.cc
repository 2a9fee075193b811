// The editing behind `vfpathctl authorize/revoke`: argument parsing to a
// rule, merging peers into a rule of the same shape, removing peers and the
// rule with its last peer, and refusing to revoke what is not there.
#include "control/vfpathctl/sg_verbs.h"

#include <gtest/gtest.h>

namespace vfpath::ctl {
namespace {

config::v1::SgRule rule(SgRuleArgs a) {
  config::v1::SgRule r;
  std::string error;
  EXPECT_TRUE(rule_from_args(a, r, error)) << error;
  return r;
}

TEST(SgVerbs, ArgumentsBecomeARuleOrAPreciseUsageError) {
  auto r = rule({.protocol = "tcp", .ports = "1024-65535", .cidrs = {"10.0.0.0/8"}});
  EXPECT_EQ(r.port_range().from(), 1024u);
  EXPECT_EQ(r.port_range().to(), 65535u);
  auto icmp = rule({.protocol = "icmp", .icmp = "3:4", .groups = {"sg-admin"}});
  EXPECT_EQ(icmp.icmp().type(), 3);
  EXPECT_EQ(icmp.icmp().code(), 4);
  struct Bad {
    SgRuleArgs args;
    const char* error;
  } bad[] = {
      {{.protocol = "tcp", .ports = "22"}, "name at least one peer: -s CIDR, -g GROUP or --prefix-list ID"},
      {{.protocol = "icmp", .ports = "22", .cidrs = {"10.0.0.0/8"}}, "-p (ports) is for tcp and udp"},
      {{.protocol = "tcp", .ports = "22-x", .cidrs = {"10.0.0.0/8"}}, "-p takes a port or a range (22, 1024-65535): \"22-x\""},
      {{.protocol = "tcp", .ports = "70000", .cidrs = {"10.0.0.0/8"}}, "-p takes a port or a range (22, 1024-65535): \"70000\""},
      {{.protocol = "tcp", .icmp = "8", .cidrs = {"10.0.0.0/8"}}, "-t (ICMP type:code) is for icmp and icmpv6"},
      {{.protocol = "icmp", .icmp = "8:x", .cidrs = {"10.0.0.0/8"}}, "-t takes TYPE[:CODE] (8, 8:0, 3:-1): \"8:x\""},
  };
  for (const auto& b : bad) {
    config::v1::SgRule r;
    std::string error;
    EXPECT_FALSE(rule_from_args(b.args, r, error));
    EXPECT_EQ(error, b.error);
  }
}

TEST(SgVerbs, AuthorizeMergesPeersIntoARuleOfTheSameShape) {
  config::v1::SecurityGroup g;
  g.set_id("sg-web");
  EXPECT_TRUE(authorize(g, false, rule({.protocol = "tcp", .ports = "22", .cidrs = {"10.0.0.0/8"}})));
  EXPECT_TRUE(authorize(g, false, rule({.protocol = "tcp", .ports = "22", .cidrs = {"192.0.2.0/24"}})));
  EXPECT_FALSE(authorize(g, false, rule({.protocol = "tcp", .ports = "22", .cidrs = {"10.0.0.0/8"}})));  // already there
  EXPECT_TRUE(authorize(g, false, rule({.protocol = "tcp", .ports = "80", .cidrs = {"10.0.0.0/8"}})));
  EXPECT_TRUE(authorize(g, true, rule({.protocol = "all", .cidrs = {"0.0.0.0/0"}})));
  ASSERT_EQ(g.ingress_size(), 2);
  EXPECT_EQ(g.ingress(0).cidrs_size(), 2);
  EXPECT_EQ(g.egress_size(), 1);
}

TEST(SgVerbs, RevokeRemovesPeersThenTheRuleAndRefusesWhatIsNotThere) {
  config::v1::SecurityGroup g;
  g.set_id("sg-web");
  authorize(g, false, rule({.protocol = "tcp", .ports = "22", .cidrs = {"10.0.0.0/8", "192.0.2.0/24"}}));
  std::string error;
  EXPECT_TRUE(revoke(g, false, rule({.protocol = "tcp", .ports = "22", .cidrs = {"10.0.0.0/8"}}), error));
  ASSERT_EQ(g.ingress_size(), 1);
  EXPECT_EQ(g.ingress(0).cidrs(0), "192.0.2.0/24");
  const config::v1::SecurityGroup before = g;
  EXPECT_FALSE(revoke(g, false, rule({.protocol = "tcp", .ports = "23", .cidrs = {"192.0.2.0/24"}}), error));
  EXPECT_EQ(error, "security group sg-web has no ingress rule tcp 23-23 with those peers");
  EXPECT_FALSE(revoke(g, true, rule({.protocol = "tcp", .ports = "22", .cidrs = {"192.0.2.0/24"}}), error));
  EXPECT_EQ(g.SerializeAsString(), before.SerializeAsString());  // nothing changed
  EXPECT_TRUE(revoke(g, false, rule({.protocol = "tcp", .ports = "22", .cidrs = {"192.0.2.0/24"}}), error));
  EXPECT_EQ(g.ingress_size(), 0);
}

}  // namespace
}  // namespace vfpath::ctl
