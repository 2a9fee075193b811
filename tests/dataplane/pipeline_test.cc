// The ENI-port pipeline (parse -> ENI -> ARP/ND -> anti-spoof -> route -> L2
// rewrite) on plain buffers against a snapshot compiled from a real
// configuration: packet in -> verdict and exact packet out.
#include "dataplane/pipeline.h"

#include <gtest/gtest.h>

#include "control/compile.h"
#include "control/config_file.h"
#include "tests/packet/frames.h"

namespace vfpath::test {
namespace {

// Ports a, b, c are ENI ports (c carries two ENIs told apart by VLAN); u is an uplink.
// The ENIs of vpc-1 share an all-open security group: this table is about
// L2/L3; security groups have their own tables (conntrack_stage_test.cc).
const char* kConfig = R"({
  "generation": 7,
  "ports": [
    {"name": "a", "devargs": "net_null0", "role": "ENI"},
    {"name": "b", "devargs": "net_null1", "role": "ENI"},
    {"name": "c", "devargs": "net_null2", "role": "ENI"},
    {"name": "u", "devargs": "net_null3", "role": "UPLINK"}],
  "vpcs": [{"id": "vpc-1", "cidrs": ["10.0.0.0/16", "fd00:10::/56"]},
           {"id": "vpc-2", "cidrs": ["10.0.0.0/16"]}],
  "subnets": [
    {"id": "sn-1", "vpc": "vpc-1", "ipv4_cidr": "10.0.1.0/24", "ipv6_cidr": "fd00:10:0:1::/64"},
    {"id": "sn-2", "vpc": "vpc-1", "ipv4_cidr": "10.0.2.0/24", "ipv6_cidr": "fd00:10:0:2::/64"},
    {"id": "sn-3", "vpc": "vpc-2", "ipv4_cidr": "10.0.3.0/24"}],
  "security_groups": [{"id": "sg-open", "vpc": "vpc-1",
    "ingress": [{"protocol": "all", "cidrs": ["0.0.0.0/0", "::/0"]}],
    "egress": [{"protocol": "all", "cidrs": ["0.0.0.0/0", "::/0"]}]}],
  "enis": [
    {"id": "vm1", "port": "a", "mac": "02:00:00:00:01:0a", "subnet": "sn-1", "ipv4": ["10.0.1.10"], "ipv6": ["fd00:10:0:1::10"], "security_groups": ["sg-open"]},
    {"id": "vm2", "port": "b", "mac": "02:00:00:00:02:0a", "subnet": "sn-2", "ipv4": ["10.0.2.10"], "ipv6": ["fd00:10:0:2::10"], "security_groups": ["sg-open"]},
    {"id": "nat", "port": "c", "vlan": 7, "mac": "02:00:00:00:03:0a", "subnet": "sn-2", "ipv4": ["10.0.2.30"], "source_dest_check": false, "security_groups": ["sg-open"]},
    {"id": "other-vpc", "port": "c", "vlan": 8, "mac": "02:00:00:00:04:0a", "subnet": "sn-3", "ipv4": ["10.0.3.40"]}]
})";
constexpr uint16_t kPortA = 0, kPortB = 1, kPortC = 2, kPortU = 3;
const std::string kNatMac = "02:00:00:00:03:0a", kOtherMac = "02:00:00:00:04:0a";
const std::string kBroadcast = "ff:ff:ff:ff:ff:ff";

std::unique_ptr<Snapshot> snapshot() {
  auto config = control::parse_config_json(kConfig, "test");
  return control::compile_snapshot(config, {{"a", kPortA}, {"b", kPortB}, {"c", kPortC}, {"u", kPortU}});
}

struct Case {
  const char* proves;
  uint16_t in_port;
  Bytes in;
  Action action;
  DropReason drop = DropReason::kNone;
  const char* out_eni = nullptr;  // for kForward/kReply
  Bytes out = {};                 // exact output frame, when given
};

Bytes to_vm(const std::string& vm_mac, uint16_t type, const Bytes& p) { return eth(vm_mac, kRouterMac, type, p); }
Bytes from_vm1(uint16_t type, const Bytes& p) { return eth(kRouterMac, kVm1Mac, type, p); }
Bytes v4(const std::string& s, const std::string& d, uint8_t proto, const Bytes& p, uint8_t ttl = 64) {
  return ipv4(s, d, proto, p, {.ttl = ttl});
}
Bytes echo_reply_from_gateway() {
  return ipv4("10.0.1.1", "10.0.1.10", 1, icmp4(0, 0, 5, 1, {9, 9}), {.ttl = 64});
}
Bytes time_exceeded_for(const Bytes& expired_ip) {
  return ipv4("10.0.1.1", "10.0.1.10", 1, icmp4(11, 0, 0, 0, expired_ip), {.ttl = 64, .id = 0});
}
// RFC 4861 router advertisement: hop limit 64, M (DHCPv6), lifetime 1800 s, the
// router's link-layer address, `prefix`/64 on-link (L) but not autonomous.
Bytes router_advert_body(const std::string& prefix) {
  Bytes b{134, 0, 0, 0, 64, 0x80, 0x07, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1};
  append(b, mac(kRouterMac));
  Bytes pio{3, 4, 64, 0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0};
  append(pio, ip6(prefix));
  append(b, pio);
  return b;
}

Bytes na_body(const std::string& target) {
  Bytes b{136, 0, 0, 0, 0xe0, 0, 0, 0};
  append(b, ip6(target));
  b.push_back(2); b.push_back(1);
  append(b, mac(kRouterMac));
  return b;
}

std::vector<Case> cases() {
  const Bytes expired = v4("10.0.1.10", "10.0.2.10", 17, udp(1000, 2000, {1, 2, 3, 4}), 1);
  const Bytes expired6 = ipv6("fd00:10:0:1::10", "fd00:10:0:2::10", 17, udp(1, 2), 1);
  return {
      // --- ARP: the router answers for its subnet, never for spoofers ---
      {"ARP for the gateway is answered with the router MAC", kPortA,
       eth(kBroadcast, kVm1Mac, 0x0806, arp(1, kVm1Mac, "10.0.1.10", "00:00:00:00:00:00", "10.0.1.1")),
       Action::kReply, DropReason::kNone, "vm1",
       to_vm(kVm1Mac, 0x0806, arp(2, kRouterMac, "10.0.1.1", kVm1Mac, "10.0.1.10"))},
      {"ARP for another address of the subnet is proxied", kPortA,
       eth(kBroadcast, kVm1Mac, 0x0806, arp(1, kVm1Mac, "10.0.1.10", "00:00:00:00:00:00", "10.0.1.77")),
       Action::kReply, DropReason::kNone, "vm1",
       to_vm(kVm1Mac, 0x0806, arp(2, kRouterMac, "10.0.1.77", kVm1Mac, "10.0.1.10"))},
      {"ARP for an off-subnet address is not answered", kPortA,
       eth(kBroadcast, kVm1Mac, 0x0806, arp(1, kVm1Mac, "10.0.1.10", "00:00:00:00:00:00", "10.0.2.10")),
       Action::kDrop, DropReason::kArpUnanswered},
      {"ARP for the VM's own address is not answered", kPortA,
       eth(kBroadcast, kVm1Mac, 0x0806, arp(1, kVm1Mac, "10.0.1.10", "00:00:00:00:00:00", "10.0.1.10")),
       Action::kDrop, DropReason::kArpGratuitous},
      {"ARP probe (sender 0.0.0.0) is not answered", kPortA,
       eth(kBroadcast, kVm1Mac, 0x0806, arp(1, kVm1Mac, "0.0.0.0", "00:00:00:00:00:00", "10.0.1.10")),
       Action::kDrop, DropReason::kArpUnanswered},
      {"ARP claiming another IP is spoofed", kPortA,
       eth(kBroadcast, kVm1Mac, 0x0806, arp(1, kVm1Mac, "10.0.1.99", "00:00:00:00:00:00", "10.0.1.1")),
       Action::kDrop, DropReason::kArpSpoofed},
      {"ARP claiming another MAC in its body is spoofed", kPortA,
       eth(kBroadcast, kVm1Mac, 0x0806, arp(1, kVm2Mac, "10.0.1.10", "00:00:00:00:00:00", "10.0.1.1")),
       Action::kDrop, DropReason::kArpSpoofed},
      {"ARP replies from VMs are absorbed", kPortA,
       eth(kRouterMac, kVm1Mac, 0x0806, arp(2, kVm1Mac, "10.0.1.10", kRouterMac, "10.0.1.1")),
       Action::kDrop, DropReason::kArpUnanswered},

      // --- routing between ENIs of one VPC ---
      {"IPv4 to a local ENI: MACs rewritten, TTL decremented", kPortA,
       from_vm1(0x0800, v4("10.0.1.10", "10.0.2.10", 17, udp(1000, 2000, {1, 2, 3, 4}))),
       Action::kForward, DropReason::kNone, "vm2",
       to_vm(kVm2Mac, 0x0800, v4("10.0.1.10", "10.0.2.10", 17, udp(1000, 2000, {1, 2, 3, 4}), 63))},
      {"TTL 1: ICMP time exceeded from the gateway, quoting the packet", kPortA,
       from_vm1(0x0800, expired), Action::kReply, DropReason::kTtlExceeded, "vm1",
       to_vm(kVm1Mac, 0x0800, time_exceeded_for(expired))},
      {"an ICMP error whose TTL expires gets no ICMP error", kPortA,
       from_vm1(0x0800, v4("10.0.1.10", "10.0.2.10", 1, icmp4(3, 3), 1)), Action::kDrop, DropReason::kTtlExceeded},
      {"echo to the gateway is answered", kPortA,
       from_vm1(0x0800, v4("10.0.1.10", "10.0.1.1", 1, icmp4(8, 0, 5, 1, {9, 9}))),
       Action::kReply, DropReason::kNone, "vm1", to_vm(kVm1Mac, 0x0800, echo_reply_from_gateway())},
      {"echo to another subnet's gateway is answered too", kPortA,
       from_vm1(0x0800, v4("10.0.1.10", "10.0.2.1", 1, icmp4(8, 0, 5, 1))), Action::kReply, DropReason::kNone, "vm1"},
      {"other traffic to the gateway is dropped", kPortA,
       from_vm1(0x0800, v4("10.0.1.10", "10.0.1.1", 17, udp(1, 53))), Action::kDrop, DropReason::kToGateway},
      {"a destination no ENI owns has no route", kPortA,
       from_vm1(0x0800, v4("10.0.1.10", "10.0.9.9", 6, tcp(1, 80))), Action::kDrop, DropReason::kNoRoute},
      {"an address of another VPC is unreachable", kPortA,
       from_vm1(0x0800, v4("10.0.1.10", "10.0.3.40", 6, tcp(1, 80))), Action::kDrop, DropReason::kNoRoute},
      {"another VPC cannot reach this VPC's addresses", kPortC,
       eth(kRouterMac, kOtherMac, 0x0800, v4("10.0.3.40", "10.0.1.10", 6, tcp(1, 80)), 8), Action::kDrop, DropReason::kNoRoute},
      {"multicast and broadcast are not routed", kPortA,
       eth("01:00:5e:00:00:fb", kVm1Mac, 0x0800, v4("10.0.1.10", "224.0.0.251", 17, udp(5353, 5353))), Action::kDrop, DropReason::kNoRoute},

      // --- anti-spoofing ---
      {"a source IP that is not the ENI's is spoofed", kPortA,
       from_vm1(0x0800, v4("10.0.1.99", "10.0.2.10", 17, udp(1, 2))), Action::kDrop, DropReason::kSpoofedSrcIp},
      {"a source MAC no ENI owns is spoofed", kPortA,
       eth(kRouterMac, "02:00:00:00:99:99", 0x0800, v4("10.0.1.10", "10.0.2.10", 17, udp(1, 2))), Action::kDrop, DropReason::kSpoofedSrcMac},
      {"the right MAC on the wrong VLAN is spoofed", kPortC,
       eth(kRouterMac, kNatMac, 0x0800, v4("10.0.2.30", "10.0.1.10", 17, udp(1, 2)), 9), Action::kDrop, DropReason::kSpoofedSrcMac},
      {"unicast not to the router's MAC is dropped", kPortA,
       eth(kVm2Mac, kVm1Mac, 0x0800, v4("10.0.1.10", "10.0.2.10", 17, udp(1, 2))), Action::kDrop, DropReason::kNotToRouter},
      {"source/dest check off: a foreign source passes, the VLAN tag goes", kPortC,
       eth(kRouterMac, kNatMac, 0x0800, v4("192.0.2.5", "10.0.1.10", 17, udp(1, 2)), 7), Action::kForward,
       DropReason::kNone, "vm1", to_vm(kVm1Mac, 0x0800, v4("192.0.2.5", "10.0.1.10", 17, udp(1, 2), 63))},
      {"to a VLAN ENI the tag is added", kPortA,
       from_vm1(0x0800, v4("10.0.1.10", "10.0.2.30", 17, udp(1, 2))), Action::kForward, DropReason::kNone, "nat",
       eth(kNatMac, kRouterMac, 0x0800, v4("10.0.1.10", "10.0.2.30", 17, udp(1, 2), 63), 7)},

      // --- IPv6 ---
      {"NS for the gateway: NA with the router MAC, hop limit 255", kPortA,
       from_vm1(0x86dd, icmp6_packet("fd00:10:0:1::10", "ff02::1:ff00:1", neighbor_solicit_body("fd00:10:0:1::1", kVm1Mac), 255)),
       Action::kReply, DropReason::kNone, "vm1",
       to_vm(kVm1Mac, 0x86dd, icmp6_packet("fd00:10:0:1::1", "fd00:10:0:1::10", na_body("fd00:10:0:1::1"), 255))},
      {"NS for the router's link-local address is answered", kPortA,
       from_vm1(0x86dd, icmp6_packet("fe80::1", "ff02::1:ff70:1", neighbor_solicit_body("fe80::76:66ff:fe70:1", kVm1Mac), 255)),
       Action::kReply, DropReason::kNone, "vm1",
       to_vm(kVm1Mac, 0x86dd, icmp6_packet("fe80::76:66ff:fe70:1", "fe80::1", na_body("fe80::76:66ff:fe70:1"), 255))},
      {"NS with a hop limit below 255 is invalid", kPortA,
       from_vm1(0x86dd, icmp6_packet("fd00:10:0:1::10", "ff02::1:ff00:1", neighbor_solicit_body("fd00:10:0:1::1", kVm1Mac), 64)),
       Action::kDrop, DropReason::kMalformed},
      {"duplicate address detection is not answered", kPortA,
       from_vm1(0x86dd, icmp6_packet("::", "ff02::1:ff00:10", neighbor_solicit_body("fd00:10:0:1::10", kVm1Mac), 255)),
       Action::kDrop, DropReason::kNdUnanswered},
      {"NS for the VM's own address is not answered", kPortA,
       from_vm1(0x86dd, icmp6_packet("fd00:10:0:1::10", "ff02::1:ff00:10", neighbor_solicit_body("fd00:10:0:1::10", kVm1Mac), 255)),
       Action::kDrop, DropReason::kNdUnanswered},
      {"a router solicitation: the router's advertisement, the subnet's prefix on-link only, to the solicitor", kPortA,
       from_vm1(0x86dd, icmp6_packet("fe80::1", "ff02::2", Bytes{133, 0, 0, 0, 0, 0, 0, 0}, 255)),
       Action::kReply, DropReason::kNone, "vm1",
       to_vm(kVm1Mac, 0x86dd, icmp6_packet("fe80::76:66ff:fe70:1", "fe80::1", router_advert_body("fd00:10:0:1::"), 255))},
      {"a router solicitation from :: is answered to all nodes", kPortA,
       from_vm1(0x86dd, icmp6_packet("::", "ff02::2", Bytes{133, 0, 0, 0, 0, 0, 0, 0}, 255)),
       Action::kReply, DropReason::kNone, "vm1",
       to_vm(kVm1Mac, 0x86dd, icmp6_packet("fe80::76:66ff:fe70:1", "ff02::1", router_advert_body("fd00:10:0:1::"), 255))},
      {"a router solicitation with a wrong checksum is invalid", kPortA,
       from_vm1(0x86dd, [] { Bytes p = icmp6_packet("fe80::1", "ff02::2", Bytes{133, 0, 0, 0, 0, 0, 0, 0}, 255); p[42] ^= 1; return p; }()),
       Action::kDrop, DropReason::kMalformed},
      {"a router solicitation with a hop limit below 255 is invalid", kPortA,
       from_vm1(0x86dd, icmp6_packet("fe80::1", "ff02::2", Bytes{133, 0, 0, 0, 0, 0, 0, 0}, 64)), Action::kDrop, DropReason::kMalformed},
      {"a router solicitation from a global address is not answered", kPortA,
       from_vm1(0x86dd, icmp6_packet("fd00:10:0:1::10", "ff02::2", Bytes{133, 0, 0, 0, 0, 0, 0, 0}, 255)), Action::kDrop, DropReason::kNdUnanswered},
      {"IPv6 to a local ENI: hop limit decremented", kPortA,
       from_vm1(0x86dd, ipv6("fd00:10:0:1::10", "fd00:10:0:2::10", 17, udp(1, 2))), Action::kForward, DropReason::kNone, "vm2",
       to_vm(kVm2Mac, 0x86dd, ipv6("fd00:10:0:1::10", "fd00:10:0:2::10", 17, udp(1, 2), 63))},
      {"IPv6 hop limit 1: ICMPv6 time exceeded from the gateway", kPortA,
       from_vm1(0x86dd, expired6), Action::kReply, DropReason::kTtlExceeded, "vm1",
       to_vm(kVm1Mac, 0x86dd, icmp6_packet("fd00:10:0:1::1", "fd00:10:0:1::10", [&] { Bytes b{3, 0, 0, 0, 0, 0, 0, 0}; append(b, expired6); return b; }()))},
      {"an IPv6 source that is not the ENI's is spoofed", kPortA,
       from_vm1(0x86dd, ipv6("fd00:10:0:1::99", "fd00:10:0:2::10", 17, udp(1, 2))), Action::kDrop, DropReason::kSpoofedSrcIp},
      {"a link-local source is never routed", kPortA,
       from_vm1(0x86dd, ipv6("fe80::1", "fd00:10:0:2::10", 17, udp(1, 2))), Action::kDrop, DropReason::kNoRoute},

      // --- what the pipeline does not take ---
      {"malformed frames are dropped", kPortA, from_vm1(0x0800, Bytes(10)), Action::kDrop, DropReason::kMalformed},
      {"uplink traffic waits for the overlay", kPortU, from_vm1(0x0800, v4("10.0.1.10", "10.0.2.10", 17, udp(1, 2))),
       Action::kDrop, DropReason::kUplinkUnhandled},
  };
}

TEST(Pipeline, TableOfPackets) {
  auto s = snapshot();
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.proves);
    std::vector<uint8_t> buf(2048);
    constexpr uint16_t kHeadroom = 128;
    std::copy(c.in.begin(), c.in.end(), buf.begin() + kHeadroom);
    Burst b;
    b.count = 1;
    b.in_port = c.in_port;
    b.frames[0] = Frame{buf.data() + kHeadroom, static_cast<uint16_t>(c.in.size()), kHeadroom,
                        static_cast<uint16_t>(buf.size() - kHeadroom - c.in.size()), static_cast<uint32_t>(c.in.size())};
    ScratchContext scratch;
    run_pipeline(b, *s, scratch.ctx);
    const Verdict& v = b.verdict[0];
    EXPECT_EQ(static_cast<int>(v.action), static_cast<int>(c.action));
    EXPECT_EQ(drop_reason_name(v.drop), drop_reason_name(c.drop));
    if (c.out_eni) {
      ASSERT_LT(v.out_eni, s->enis.size());
      EXPECT_EQ(s->enis[v.out_eni].id, c.out_eni);
    }
    if (!c.out.empty()) {
      Bytes got(b.frames[0].data, b.frames[0].data + b.frames[0].len);
      EXPECT_EQ(got, c.out);
    }
  }
}

TEST(Pipeline, ABurstOfMixedPacketsIsDecidedPacketByPacket) {
  auto s = snapshot();
  auto all = cases();
  std::vector<std::vector<uint8_t>> bufs;
  Burst b;
  b.in_port = kPortA;
  std::vector<const Case*> used;
  for (const Case& c : all) {
    if (c.in_port != kPortA || b.count == kBurstSize) continue;
    bufs.emplace_back(2048);
    std::copy(c.in.begin(), c.in.end(), bufs.back().begin() + 128);
    b.frames[b.count++] = Frame{bufs.back().data() + 128, static_cast<uint16_t>(c.in.size()), 128,
                                static_cast<uint16_t>(2048 - 128 - c.in.size()), static_cast<uint32_t>(c.in.size())};
    used.push_back(&c);
  }
  ScratchContext scratch;
    run_pipeline(b, *s, scratch.ctx);
  for (uint16_t i = 0; i < b.count; ++i) {
    SCOPED_TRACE(used[i]->proves);
    EXPECT_EQ(drop_reason_name(b.verdict[i].drop), drop_reason_name(used[i]->drop));
    EXPECT_EQ(static_cast<int>(b.verdict[i].action), static_cast<int>(used[i]->action));
  }
}

}  // namespace
}  // namespace vfpath::test
