// The internet gateway in the real pipeline: a VM with an Elastic IP
// reaches the internet with its public address and is reached on it;
// ARP is answered for associated public addresses only; a VM without one,
// an unknown public address and a push that disassociates are no_route.
// And the configuration rules for Elastic IPs, with their paths.
#include <gtest/gtest.h>

#include <algorithm>

#include "control/compile.h"
#include "control/config_file.h"
#include "dataplane/pipeline.h"
#include "packet/checksum.h"
#include "tests/packet/frames.h"

namespace vfpath {
namespace {

using namespace test;

constexpr uint16_t kEniPort = 0, kInetPort = 1;
const std::string kNextHop = "02:00:00:00:ee:01";

std::string config(const std::string& vm1_public = R"("public_ipv4": [{"public_ip": "198.51.100.10"}],)") {
  return R"({"generation": 1,
    "ports": [{"name": "a", "devargs": "net_null0", "role": "ENI"}, {"name": "inet", "devargs": "net_null1", "role": "UPLINK"}],
    "vpcs": [{"id": "vpc-1", "cidrs": ["10.0.0.0/16"]}],
    "subnets": [{"id": "sn-1", "vpc": "vpc-1", "ipv4_cidr": "10.0.1.0/24"}],
    "internet_gateway": {"port": "inet", "next_hop_mac": ")" + kNextHop + R"("},
    "security_groups": [{"id": "sg-open", "vpc": "vpc-1",
      "ingress": [{"protocol": "all", "cidrs": ["0.0.0.0/0"]}], "egress": [{"protocol": "all", "cidrs": ["0.0.0.0/0"]}]}],
    "enis": [{"id": "vm1", "port": "a", "mac": "02:00:00:00:01:0a", "subnet": "sn-1", "ipv4": ["10.0.1.10"], )" +
         vm1_public + R"( "security_groups": ["sg-open"]},
             {"id": "vm2", "port": "a", "mac": "02:00:00:00:02:0a", "subnet": "sn-1", "ipv4": ["10.0.1.20"], "security_groups": ["sg-open"]}]})";
}

std::unique_ptr<Snapshot> snapshot(const std::string& json) {
  return control::compile_snapshot(control::parse_config_json(json, "test"), {{"a", kEniPort}, {"inet", kInetPort}});
}

struct Result {
  Verdict v;
  Bytes out;
};

Result run(const Snapshot& s, uint16_t port, const Bytes& frame, ScratchContext& scratch) {
  std::vector<uint8_t> buf(2048);
  std::copy(frame.begin(), frame.end(), buf.begin() + 128);
  Burst b;
  b.count = 1;
  b.in_port = port;
  b.frames[0] = Frame{buf.data() + 128, static_cast<uint16_t>(frame.size()), 128, 1024, static_cast<uint32_t>(frame.size())};
  run_pipeline(b, s, scratch.ctx);
  return {b.verdict[0], Bytes(b.frames[0].data, b.frames[0].data + b.frames[0].len)};
}

Bytes out_of_vm(const char* src_mac, const char* src, const char* dst) {
  return eth(kRouterMac, src_mac, 0x0800, ipv4(src, dst, 17, udp(5000, 53, {1, 2, 3})));
}

TEST(InternetGateway, AVmWithAnElasticIpGoesOutWithItAndIsReachedOnIt) {
  auto s = snapshot(config());
  ScratchContext scratch;
  const Result out = run(*s, kEniPort, out_of_vm(kVm1Mac.c_str(), "10.0.1.10", "203.0.113.5"), scratch);
  ASSERT_EQ(static_cast<int>(out.v.action), static_cast<int>(Action::kForward)) << drop_reason_name(out.v.drop);
  EXPECT_EQ(out.v.out_eni, kInternetEni);
  EXPECT_EQ(Bytes(out.out.begin(), out.out.begin() + 6), mac(kNextHop));
  EXPECT_EQ(Bytes(out.out.begin() + 6, out.out.begin() + 12), mac(kRouterMac)) << "the gateway's MAC: the router's by default";
  const uint8_t* ip = out.out.data() + 14;
  EXPECT_EQ(Bytes(ip + 12, ip + 16), ip4("198.51.100.10"));
  EXPECT_EQ(ip[8], 63) << "TTL counted down";
  EXPECT_TRUE(ipv4_header_checksum_ok(ip, 20));

  // The reply, to the public address, on the gateway's port.
  const Bytes back = eth(kRouterMac, kNextHop, 0x0800, ipv4("203.0.113.5", "198.51.100.10", 17, udp(53, 5000, {4})));
  const Result in = run(*s, kInetPort, back, scratch);
  ASSERT_EQ(static_cast<int>(in.v.action), static_cast<int>(Action::kForward)) << drop_reason_name(in.v.drop);
  EXPECT_EQ(in.v.out_eni, 0);
  EXPECT_EQ(Bytes(in.out.begin(), in.out.begin() + 6), mac(kVm1Mac));
  const uint8_t* ip_in = in.out.data() + 14;
  EXPECT_EQ(Bytes(ip_in + 16, ip_in + 20), ip4("10.0.1.10"));
  EXPECT_EQ(in.v.ct[1], CtNote::kUntracked) << "the receiver's groups saw the private address";
}

TEST(InternetGateway, ArpIsAnsweredForAssociatedPublicAddressesOnly) {
  auto s = snapshot(config());
  ScratchContext scratch;
  const Result r = run(*s, kInetPort, eth("ff:ff:ff:ff:ff:ff", kNextHop, 0x0806,
                                          arp(1, kNextHop, "198.51.100.1", "00:00:00:00:00:00", "198.51.100.10")), scratch);
  ASSERT_EQ(static_cast<int>(r.v.action), static_cast<int>(Action::kReply));
  EXPECT_EQ(r.v.out_eni, kInternetEni);
  EXPECT_EQ(Bytes(r.out.begin(), r.out.begin() + 6), mac(kNextHop));
  const Result other = run(*s, kInetPort, eth("ff:ff:ff:ff:ff:ff", kNextHop, 0x0806,
                                              arp(1, kNextHop, "198.51.100.1", "00:00:00:00:00:00", "198.51.100.11")), scratch);
  EXPECT_EQ(drop_reason_name(other.v.drop), "arp_unanswered");
}

TEST(InternetGateway, WithoutAnAssociationThereIsNoRoute) {
  auto s = snapshot(config());
  ScratchContext scratch;
  struct Case {
    const char* what;
    uint16_t port;
    Bytes frame;
  } cases[] = {
      {"a VM without an Elastic IP to the internet", kEniPort, out_of_vm(kVm2Mac.c_str(), "10.0.1.20", "203.0.113.5")},
      {"to a public address nobody has", kInetPort, eth(kRouterMac, kNextHop, 0x0800, ipv4("203.0.113.5", "198.51.100.99", 17, udp(1, 2)))},
      {"to a private address from the internet", kInetPort, eth(kRouterMac, kNextHop, 0x0800, ipv4("203.0.113.5", "10.0.1.10", 17, udp(1, 2)))},
  };
  for (const Case& c : cases) {
    const Result r = run(*s, c.port, c.frame, scratch);
    EXPECT_EQ(drop_reason_name(r.v.drop), "no_route") << c.what;
  }
  // A VM inside its VPC is routed as before, not to the gateway.
  const Result in_vpc = run(*s, kEniPort, out_of_vm(kVm1Mac.c_str(), "10.0.1.10", "10.0.1.20"), scratch);
  EXPECT_EQ(in_vpc.v.out_eni, 1);
  // Disassociated: the address goes dark both ways.
  auto gone = snapshot(config(""));
  EXPECT_EQ(drop_reason_name(run(*gone, kEniPort, out_of_vm(kVm1Mac.c_str(), "10.0.1.10", "203.0.113.5"), scratch).v.drop), "no_route");
  EXPECT_EQ(drop_reason_name(run(*gone, kInetPort, eth("ff:ff:ff:ff:ff:ff", kNextHop, 0x0806,
                                                       arp(1, kNextHop, "198.51.100.1", "00:00:00:00:00:00", "198.51.100.10")), scratch).v.drop),
            "arp_unanswered");
}

TEST(InternetGateway, ElasticIpRulesAreCheckedWithTheirPaths) {
  struct Case {
    std::string vm1_public;
    std::string want;
  } cases[] = {
      {R"("public_ipv4": [{"public_ip": "10.0.9.9"}],)", "enis[0].public_ipv4[0].public_ip: \"10.0.9.9\" cannot be public"},
      {R"("public_ipv4": [{"public_ip": "198.51.100.10"}, {"public_ip": "198.51.100.10", "private_ip": "10.0.1.10"}],)",
       "enis[0].public_ipv4[1].public_ip: \"198.51.100.10\" is already associated"},
      {R"("public_ipv4": [{"public_ip": "198.51.100.10", "private_ip": "10.0.1.99"}],)",
       "enis[0].public_ipv4[0].private_ip: \"10.0.1.99\" is not one of the ENI's IPv4 addresses"},
      {R"("public_ipv4": [{"public_ip": "198.51.100.10"}, {"public_ip": "198.51.100.11"}],)",
       "enis[0].public_ipv4[1].private_ip: \"10.0.1.10\" already has a public address"},
      {R"("public_ipv4": [{"public_ip": "1.2.3"}],)", "enis[0].public_ipv4[0].public_ip: \"1.2.3\" is not an IPv4 address"},
  };
  for (const Case& c : cases) {
    try {
      control::parse_config_json(config(c.vm1_public), "test");
      ADD_FAILURE() << c.want << ": accepted";
    } catch (const control::ConfigFileError& e) {
      EXPECT_NE(std::string(e.what()).find(c.want), std::string::npos) << e.what();
    }
  }
  std::string no_gateway = config();
  const size_t at = no_gateway.find("\"internet_gateway\"");
  no_gateway.erase(at, no_gateway.find('}', at) - at + 2);
  try {
    control::parse_config_json(no_gateway, "test");
    ADD_FAILURE() << "an Elastic IP without a gateway was accepted";
  } catch (const control::ConfigFileError& e) {
    EXPECT_NE(std::string(e.what()).find("enis[0].public_ipv4[0]: needs internet_gateway"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace vfpath
