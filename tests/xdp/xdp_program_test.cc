// The XDP program in the kernel, not attached: bpf_prog_test_run_opts runs
// it on a frame and says its action; its counters say what it decided
// (with no AF_XDP socket in xsks_map a redirect falls back to XDP_PASS, so
// "to the appliance" and "to the host" are told apart by their counters).
// Its maps are written by the map writer vfpathd uses (xdp/xdp_maps.h).
// Skipped (exit 77, with the reason) where the kernel refuses BPF.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "packet/text_address.h"
#include "tests/packet/frames.h"
#include "xdp/xdp_maps.h"

namespace vfpath::xdp {
namespace {

using namespace test;

const char* g_object = nullptr;

struct Loaded {
  bpf_object* obj = nullptr;
  int prog = -1;
  ~Loaded() {
    if (obj) bpf_object__close(obj);
  }
};

// Loads a fresh copy of the program (its own maps); empty when the kernel refuses.
std::unique_ptr<Loaded> load(std::string& why) {
  auto l = std::make_unique<Loaded>();
  l->obj = bpf_object__open_file(g_object, nullptr);
  if (!l->obj) {
    why = std::string("libbpf cannot open ") + g_object + " (not a BPF object?)";
    l->obj = nullptr;
    return nullptr;
  }
  if (const int err = bpf_object__load(l->obj); err != 0) {
    why = std::string("the kernel refuses to load it: ") + std::strerror(-err);
    return nullptr;
  }
  l->prog = bpf_program__fd(bpf_object__find_program_by_name(l->obj, "vfpath_xdp"));
  return l;
}

struct Outcome {
  int action;
  Counters counters;
};

class XdpProgram : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    loaded_ = load(why);
    if (!loaded_) GTEST_SKIP() << why;
    port_ = std::make_unique<XdpPort>(XdpPort::from_program_fd(loaded_->prog, "test"));
  }
  // The action and what the counters moved by.
  Outcome run(const Bytes& frame) {
    const Counters before = port_->read();
    std::vector<uint8_t> data = frame;
    LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = data.data(), .data_size_in = static_cast<uint32_t>(data.size()),
                .repeat = 1);
    EXPECT_EQ(bpf_prog_test_run_opts(loaded_->prog, &o), 0) << std::strerror(errno);
    Counters after = port_->read();
    for (int k = 0; k < VFP_XDP_COUNTERS; ++k) after.by_kind[k] -= before.by_kind[k];
    for (size_t s = 0; s < after.eni_blocked.size() && s < before.eni_blocked.size(); ++s) {
      after.eni_blocked[s] -= before.eni_blocked[s];
      after.eni_syn_flood[s] -= before.eni_syn_flood[s];
    }
    return {static_cast<int>(o.retval), after};
  }
  std::unique_ptr<Loaded> loaded_;
  std::unique_ptr<XdpPort> port_;
};

MacAddr mac_of(const std::string& s) { return *parse_mac(s); }
Ipv4Prefix p4(const char* a, uint8_t len) { return Ipv4Prefix{*parse_ipv4(a), len}; }
Ipv6Prefix p6(const char* a, uint8_t len) { return Ipv6Prefix{*parse_ipv6(a), len}; }

constexpr const char* kVmMac = "02:00:00:00:01:0a";
constexpr const char* kStranger = "02:00:00:00:99:99";

PortProgram eni_port(bool host_pass) {
  PortProgram p;
  p.role = VFP_XDP_ROLE_ENI;
  p.host_pass = host_pass;
  p.enis = {EniMatch{mac_of(kVmMac), 0, 5, 0, 0}, EniMatch{mac_of("02:00:00:00:09:0a"), 9, 6, 0, 0}};
  p.blocked4 = {p4("203.0.113.0", 24)};
  p.blocked6 = {p6("2001:db8:bad::", 48)};
  return p;
}

Bytes from_vm(const std::string& src_mac, const char* src_ip, int vlan = -1, uint8_t flags = 0x10) {
  return eth(kRouterMac, src_mac, 0x0800, ipv4(src_ip, "10.0.2.10", 6, tcp(1000, 80, flags)), vlan);
}

TEST_F(XdpProgram, UntilConfiguredEverythingGoesToTheAppliance) {
  const Outcome r = run(from_vm(kStranger, "10.0.1.10"));
  EXPECT_EQ(r.action, XDP_PASS);  // no socket in xsks_map: redirect falls back
  EXPECT_EQ(r.counters.by_kind[VFP_XDP_REDIRECTED], 1u);
}

TEST_F(XdpProgram, EniPortsTakeTheirEnisFramesAndLeaveOthersWhereConfigured) {
  struct Case {
    const char* what;
    bool host_pass;
    Bytes frame;
    int action;
    vfp_xdp_counter counted;
  } cases[] = {
      {"an ENI's frame", false, from_vm(kVmMac, "10.0.1.10"), XDP_PASS, VFP_XDP_REDIRECTED},
      {"an ENI's frame on its VLAN", false, from_vm("02:00:00:00:09:0a", "10.0.1.90", 9), XDP_PASS, VFP_XDP_REDIRECTED},
      {"that MAC on another VLAN", true, from_vm("02:00:00:00:09:0a", "10.0.1.90", 8), XDP_PASS, VFP_XDP_HOST},
      {"a stranger, host_pass off: the appliance counts it spoofed", false, from_vm(kStranger, "10.0.1.10"), XDP_PASS, VFP_XDP_REDIRECTED},
      {"a stranger, host_pass on: the host's", true, from_vm(kStranger, "10.0.1.10"), XDP_PASS, VFP_XDP_HOST},
      {"a blocked source", false, from_vm(kVmMac, "203.0.113.7"), XDP_DROP, VFP_XDP_BLOCKED},
      {"a blocked IPv6 source", false, eth(kRouterMac, kVmMac, 0x86dd, ipv6("2001:db8:bad::1", "fd00::1", 6, tcp(1, 2))), XDP_DROP, VFP_XDP_BLOCKED},
      {"an IPv6 source beside the blocked prefix", false, eth(kRouterMac, kVmMac, 0x86dd, ipv6("2001:db8:bae::1", "fd00::1", 6, tcp(1, 2))), XDP_PASS, VFP_XDP_REDIRECTED},
      {"a truncated IPv4 header: the parser's to count", false, truncate(from_vm(kVmMac, "203.0.113.7"), 20), XDP_PASS, VFP_XDP_REDIRECTED},
  };
  for (const Case& c : cases) {
    port_->apply(eni_port(c.host_pass));
    const Outcome r = run(c.frame);
    EXPECT_EQ(r.action, c.action) << c.what;
    EXPECT_EQ(r.counters.by_kind[c.counted], 1u) << c.what;
  }
  port_->apply(eni_port(false));
  EXPECT_EQ(run(from_vm(kVmMac, "203.0.113.7")).counters.eni_blocked[5], 1u) << "charged to the ENI's slot";
}

TEST_F(XdpProgram, SynsBeyondTheEnisAllowanceAreDropped) {
  PortProgram p = eni_port(false);
  p.enis[0].syn_pps = 1;
  p.enis[0].syn_burst = 2;
  port_->apply(p);
  int dropped = 0;
  for (int i = 0; i < 5; ++i) dropped += run(from_vm(kVmMac, "10.0.1.10", -1, 0x02)).action == XDP_DROP;
  EXPECT_EQ(dropped, 3) << "a burst of 2, then 1 per second";
  EXPECT_EQ(run(from_vm(kVmMac, "10.0.1.10", -1, 0x12)).action, XDP_PASS) << "a SYN-ACK is no new connection";
  EXPECT_EQ(run(from_vm(kVmMac, "10.0.1.10", -1, 0x10)).action, XDP_PASS) << "nor is an ACK";
  const Outcome r = run(from_vm(kVmMac, "10.0.1.10", -1, 0x02));
  EXPECT_EQ(r.counters.eni_syn_flood[5], 1u);
  EXPECT_EQ(r.counters.by_kind[VFP_XDP_SYN_FLOOD], 1u);
  // Another ENI without an allowance is never limited.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(run(from_vm("02:00:00:00:09:0a", "10.0.1.90", 9, 0x02)).action, XDP_PASS);
}

TEST_F(XdpProgram, ThePushDecidesAndTakesBack) {
  port_->apply(eni_port(true));
  EXPECT_EQ(run(from_vm(kVmMac, "203.0.113.7")).action, XDP_DROP);
  PortProgram p = eni_port(true);
  p.blocked4.clear();
  p.enis.pop_back();
  port_->apply(p);
  EXPECT_EQ(run(from_vm(kVmMac, "203.0.113.7")).counters.by_kind[VFP_XDP_REDIRECTED], 1u) << "unblocked";
  EXPECT_EQ(run(from_vm("02:00:00:00:09:0a", "10.0.1.90", 9)).counters.by_kind[VFP_XDP_HOST], 1u) << "ENI removed";
}

TEST_F(XdpProgram, TheUplinkTakesWhatIsForTheUnderlayAddress) {
  PortProgram p;
  p.role = VFP_XDP_ROLE_UPLINK;
  p.host_pass = true;
  p.underlay_v4 = *parse_ipv4("192.168.100.1");
  p.underlay_v6 = *parse_ipv6("fd00:100::1");
  p.vxlan_port = 4789;
  p.geneve_port = 6081;
  p.blocked4 = {p4("203.0.113.0", 24)};
  port_->apply(p);
  const std::string peer = "02:00:00:00:aa:02", us = "02:76:66:70:00:01";
  auto vxlan = [&](const char* inner_src) {
    Bytes inner = eth(us, "02:00:00:00:02:0a", 0x0800, ipv4(inner_src, "10.0.1.10", 17, udp(1, 2)));
    Bytes v = {0x08, 0, 0, 0, 0, 0, 100, 0};
    append(v, inner);
    return eth(us, peer, 0x0800, ipv4("192.168.100.2", "192.168.100.1", 17, udp(40000, 4789, v)));
  };
  Ip4Opts frag;
  frag.frag = 0x2000;
  Bytes ns = eth("33:33:ff:00:00:01", peer, 0x86dd, ipv6("fd00:100::2", "ff02::1:ff00:1", 58, {135, 0, 0, 0}));
  struct Case {
    const char* what;
    Bytes frame;
    int action;
    vfp_xdp_counter counted;
  } cases[] = {
      {"VXLAN to us", vxlan("10.0.2.10"), XDP_PASS, VFP_XDP_REDIRECTED},
      {"VXLAN from a blocked inner source", vxlan("203.0.113.9"), XDP_DROP, VFP_XDP_BLOCKED},
      {"a fragment to us", eth(us, peer, 0x0800, ipv4("192.168.100.2", "192.168.100.1", 17, udp(1, 4789), frag)), XDP_DROP, VFP_XDP_UNDERLAY_FRAGMENT},
      {"a blocked outer source", eth(us, peer, 0x0800, ipv4("203.0.113.1", "192.168.100.1", 17, udp(1, 4789))), XDP_DROP, VFP_XDP_BLOCKED},
      {"the host's own traffic", eth(us, peer, 0x0800, ipv4("192.168.100.2", "192.168.100.50", 6, tcp(1, 22))), XDP_PASS, VFP_XDP_HOST},
      {"ARP for the underlay address", eth("ff:ff:ff:ff:ff:ff", peer, 0x0806, arp(1, peer, "192.168.100.2", "00:00:00:00:00:00", "192.168.100.1")), XDP_PASS, VFP_XDP_REDIRECTED},
      {"ARP for the host", eth("ff:ff:ff:ff:ff:ff", peer, 0x0806, arp(1, peer, "192.168.100.2", "00:00:00:00:00:00", "192.168.100.50")), XDP_PASS, VFP_XDP_HOST},
      {"ND for the underlay address (its solicited-node group)", ns, XDP_PASS, VFP_XDP_REDIRECTED},
      {"IPv6 to the host", eth(us, peer, 0x86dd, ipv6("fd00:100::2", "fd00:100::50", 6, tcp(1, 22))), XDP_PASS, VFP_XDP_HOST},
  };
  for (const Case& c : cases) {
    const Outcome r = run(c.frame);
    EXPECT_EQ(r.action, c.action) << c.what;
    EXPECT_EQ(r.counters.by_kind[c.counted], 1u) << c.what;
  }
}

}  // namespace
}  // namespace vfpath::xdp

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc < 2) {
    std::fprintf(stderr, "usage: xdp_program_test OBJECT\n");
    return 2;
  }
  vfpath::xdp::g_object = argv[1];
  // A missing object is a broken build, not an environment without BPF.
  if (access(argv[1], R_OK) != 0) {
    std::fprintf(stderr, "xdp_program_test: no XDP object at %s\n", argv[1]);
    return 1;
  }
  // Where BPF is refused outright (no privilege, no BPF), say so and skip.
  std::string why;
  if (!vfpath::xdp::load(why)) {
    std::printf("SKIP: %s\n", why.c_str());
    return 77;
  }
  return RUN_ALL_TESTS();
}
