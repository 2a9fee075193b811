// The DHCP server in the real pipeline: a VM's DISCOVER (from 0.0.0.0, to
// the broadcast address) becomes an OFFER back to it, from the gateway,
// with right checksums and its VLAN kept; requests that are not well formed,
// not for this ENI's MAC, or need no answer are counted drops.
#include <gtest/gtest.h>

#include "control/compile.h"
#include "control/config_file.h"
#include "dataplane/pipeline.h"
#include "packet/checksum.h"
#include "packet/dhcp.h"

#include <algorithm>
#include "tests/packet/frames.h"

namespace vfpath {
namespace {

using namespace test;

const char* kConfig = R"({"generation": 1,
  "ports": [{"name": "a", "devargs": "net_null0", "role": "ENI"}],
  "vpcs": [{"id": "vpc-1", "cidrs": ["10.0.0.0/16", "fd00:10::/56"], "dhcp_options": {"domain_name": "corp.example", "domain_name_servers": ["10.0.0.53", "fd00:10::53"]}}],
  "subnets": [{"id": "sn-1", "vpc": "vpc-1", "ipv4_cidr": "10.0.1.0/24", "ipv6_cidr": "fd00:10:0:1::/64"}],
  "enis": [{"id": "vm1", "port": "a", "mac": "02:00:00:00:01:0a", "subnet": "sn-1", "ipv4": ["10.0.1.10"], "ipv6": ["fd00:10:0:1::10"]},
           {"id": "vm9", "port": "a", "mac": "02:00:00:00:09:0a", "vlan": 9, "subnet": "sn-1", "ipv4": ["10.0.1.90"]}]})";

Bytes bootp(uint8_t type, const std::string& chaddr, Bytes extra = {}) {
  Bytes b(236, 0);
  b[0] = 1, b[1] = 1, b[2] = 6;
  b[4] = 1, b[5] = 2, b[6] = 3, b[7] = 4;
  const Bytes m = mac(chaddr);
  std::copy(m.begin(), m.end(), b.begin() + 28);
  b.insert(b.end(), {0x63, 0x82, 0x53, 0x63, 53, 1, type});
  b.insert(b.end(), extra.begin(), extra.end());
  b.push_back(255);
  b.resize(300, 0);
  return b;
}

struct Result {
  Verdict v;
  Bytes frame;
};

Result run(const Snapshot& s, const Bytes& dhcp, const std::string& src_mac, int vlan = -1) {
  ScratchContext scratch;
  Bytes frame = eth("ff:ff:ff:ff:ff:ff", src_mac, 0x0800, ipv4("0.0.0.0", "255.255.255.255", 17, udp(68, 67, dhcp)), vlan);
  std::vector<uint8_t> buf(2048);
  std::copy(frame.begin(), frame.end(), buf.begin() + 128);
  Burst b;
  b.count = 1;
  b.in_port = 0;
  b.frames[0] = Frame{buf.data() + 128, static_cast<uint16_t>(frame.size()), 128, 1024, static_cast<uint32_t>(frame.size())};
  run_pipeline(b, s, scratch.ctx);
  return {b.verdict[0], Bytes(b.frames[0].data, b.frames[0].data + b.frames[0].len)};
}

TEST(DhcpStage, ADiscoverBecomesAnOfferFromTheGateway) {
  auto s = control::compile_snapshot(control::parse_config_json(kConfig, "test"), {{"a", 0}});
  const Result r = run(*s, bootp(1, kVm1Mac), kVm1Mac);
  ASSERT_EQ(static_cast<int>(r.v.action), static_cast<int>(Action::kReply)) << drop_reason_name(r.v.drop);
  const Bytes& f = r.frame;
  EXPECT_EQ(Bytes(f.begin(), f.begin() + 6), mac(kVm1Mac));      // to the VM
  EXPECT_EQ(Bytes(f.begin() + 6, f.begin() + 12), mac(kRouterMac));
  const uint8_t* ip = f.data() + 14;
  EXPECT_TRUE(ipv4_header_checksum_ok(ip, 20));
  EXPECT_EQ(Bytes(ip + 12, ip + 16), ip4("10.0.1.1"));            // from the gateway
  EXPECT_EQ(Bytes(ip + 16, ip + 20), ip4("10.0.1.10"));           // to the lease
  const uint8_t* u = ip + 20;
  EXPECT_EQ(u[1], 67);
  EXPECT_EQ(u[3], 68);
  const uint16_t udp_len = static_cast<uint16_t>(u[4] << 8 | u[5]);
  Bytes pseudo = ip4("10.0.1.1");
  append(pseudo, ip4("10.0.1.10"));
  pseudo.insert(pseudo.end(), {0, 17, static_cast<uint8_t>(udp_len >> 8), static_cast<uint8_t>(udp_len)});
  EXPECT_EQ(checksum_finish(checksum_partial(u, udp_len, checksum_partial(pseudo.data(), pseudo.size()))).host(), 0);
  EXPECT_EQ(f.size(), 14u + 20 + udp_len);
  const uint8_t* d = u + 8;
  EXPECT_EQ(d[0], 2);
  EXPECT_EQ(Bytes(d + 16, d + 20), ip4("10.0.1.10"));  // yiaddr
  EXPECT_EQ(d[242], 2);                                // option 53 first: OFFER
}

TEST(DhcpStage, AVlanEniGetsItsReplyOnItsVlan) {
  auto s = control::compile_snapshot(control::parse_config_json(kConfig, "test"), {{"a", 0}});
  const Result r = run(*s, bootp(1, "02:00:00:00:09:0a"), "02:00:00:00:09:0a", 9);
  ASSERT_EQ(static_cast<int>(r.v.action), static_cast<int>(Action::kReply)) << drop_reason_name(r.v.drop);
  EXPECT_EQ(r.frame[12], 0x81);  // 802.1Q
  EXPECT_EQ(r.frame[15], 9);
  EXPECT_EQ(Bytes(r.frame.begin() + 18 + 16, r.frame.begin() + 18 + 20), ip4("10.0.1.90"));
}

TEST(DhcpStage, WhatNeedsNoAnswerOrIsNotDhcpIsCounted) {
  auto s = control::compile_snapshot(control::parse_config_json(kConfig, "test"), {{"a", 0}});
  struct Case {
    const char* proves;
    Bytes dhcp;
    const char* drop;
  };
  Bytes truncated = bootp(1, kVm1Mac);
  truncated.resize(100);
  const std::vector<Case> cases = {
      {"a request for another NIC's hardware address", bootp(1, "02:00:00:00:77:77"), "dhcp_unanswered"},
      {"a RELEASE", bootp(7, kVm1Mac), "dhcp_unanswered"},
      {"a request for another server", bootp(3, kVm1Mac, {54, 4, 10, 0, 1, 99, 50, 4, 10, 0, 1, 10}), "dhcp_unanswered"},
      {"not BOOTP at all", truncated, "dhcp_malformed"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.proves);
    EXPECT_EQ(drop_reason_name(run(*s, c.dhcp, kVm1Mac).v.drop), c.drop);
  }
}

TEST(DhcpStage, ADhcpv6SolicitGetsTheEnisAddressFromTheRoutersLinkLocal) {
  auto s = control::compile_snapshot(control::parse_config_json(kConfig, "test"), {{"a", 0}});
  const Bytes solicit{1, 0xab, 0xcd, 0xef, 0, 1, 0, 10, 0, 3, 0, 1, 2, 0, 0, 0, 1, 0x0a,  // client id (DUID-LL)
                      0, 3, 0, 12, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0,                       // IA_NA, IAID 7
                      0, 14, 0, 0};                                                          // rapid commit
  ScratchContext scratch;
  Bytes frame = eth("33:33:00:01:00:02", kVm1Mac, 0x86dd, ipv6("fe80::1", "ff02::1:2", 17, udp(546, 547, solicit), 1));
  std::vector<uint8_t> buf(2048);
  std::copy(frame.begin(), frame.end(), buf.begin() + 128);
  Burst b;
  b.count = 1;
  b.frames[0] = Frame{buf.data() + 128, static_cast<uint16_t>(frame.size()), 128, 1024, static_cast<uint32_t>(frame.size())};
  run_pipeline(b, *s, scratch.ctx);
  ASSERT_EQ(static_cast<int>(b.verdict[0].action), static_cast<int>(Action::kReply)) << drop_reason_name(b.verdict[0].drop);
  const uint8_t* ip = b.frames[0].data + 14;
  EXPECT_EQ(Bytes(ip + 8, ip + 24), ip6("fe80::76:66ff:fe70:1"));  // from the router's link-local address
  EXPECT_EQ(Bytes(ip + 24, ip + 40), ip6("fe80::1"));              // to the client's
  const uint8_t* u = ip + 40;
  EXPECT_EQ(u[1], 547 & 0xff);
  EXPECT_EQ(u[3], 546 & 0xff);
  const uint16_t len = static_cast<uint16_t>(u[4] << 8 | u[5]);
  EXPECT_EQ(ipv6_l4_checksum(ip + 8, ip + 24, 17, u, len).host(), 0);  // the checksum in place sums to zero
  const Bytes reply(u + 8, u + len);
  EXPECT_EQ(reply[0], 7);  // REPLY (rapid commit)
  const Bytes addr = ip6("fd00:10:0:1::10");
  EXPECT_NE(std::search(reply.begin(), reply.end(), addr.begin(), addr.end()), reply.end());
  Bytes dns{0, 23, 0, 16};  // the VPC's IPv6 DNS server (its IPv4 one went to DHCPv4 only)
  const Bytes dns_addr = ip6("fd00:10::53");
  dns.insert(dns.end(), dns_addr.begin(), dns_addr.end());
  EXPECT_NE(std::search(reply.begin(), reply.end(), dns.begin(), dns.end()), reply.end());
  const Bytes search{0, 24, 0, 14, 4, 'c', 'o', 'r', 'p', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
  EXPECT_NE(std::search(reply.begin(), reply.end(), search.begin(), search.end()), reply.end());
}

}  // namespace
}  // namespace vfpath
