// How vfpathd gives net_af_xdp ports its XDP program: the devargs it
// probes (daemon/xdp_programs.h), table by table.
#include <gtest/gtest.h>

#include "daemon/xdp_programs.h"

namespace vfpath::daemon {
namespace {

TEST(XdpDevargs, AfXdpPortsGetTheProgramUnlessTheyNameTheirOwn) {
  struct Case {
    const char* devargs;
    const char* object;
    const char* want;
  } cases[] = {
      {"net_af_xdp0,iface=eth1", "/lib/vfp.o", "net_af_xdp0,iface=eth1,xdp_prog=/lib/vfp.o"},
      {"net_af_xdp0,iface=eth1,queue_count=2", "/lib/vfp.o", "net_af_xdp0,iface=eth1,queue_count=2,xdp_prog=/lib/vfp.o"},
      {"net_af_xdp0,iface=eth1,xdp_prog=/mine.o", "/lib/vfp.o", "net_af_xdp0,iface=eth1,xdp_prog=/mine.o"},
      {"net_af_xdp0,iface=eth1", "", "net_af_xdp0,iface=eth1"},  // no object found: the PMD's default
      {"net_af_packet0,iface=eth1", "/lib/vfp.o", "net_af_packet0,iface=eth1"},
      {"0000:03:10.0", "/lib/vfp.o", "0000:03:10.0"},
  };
  for (const Case& c : cases) EXPECT_EQ(with_xdp_program(c.devargs, c.object), c.want) << c.devargs;
}

TEST(XdpDevargs, TheInterfaceIsTheIfaceArgumentOfAfXdpPortsOnly) {
  EXPECT_EQ(af_xdp_interface("net_af_xdp0,iface=eth1,queue_count=2"), "eth1");
  EXPECT_EQ(af_xdp_interface("net_af_xdp3,queue_count=2,iface=veth9"), "veth9");
  EXPECT_EQ(af_xdp_interface("net_af_packet0,iface=eth1"), "");
  EXPECT_EQ(af_xdp_interface("net_af_xdp0"), "");
  EXPECT_EQ(xdp_object_path("/given.o"), "/given.o");
}

}  // namespace
}  // namespace vfpath::daemon
