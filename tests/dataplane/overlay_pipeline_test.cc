// The overlay in the pipeline, on plain buffers, against a snapshot compiled
// from a real configuration with its mapping table filled by the config
// store's own OverlayState: egress encapsulation (byte-checked), MTU
// (frag-needed / packet too big / fragmentation), NACLs on overlay traffic,
// and uplink decapsulation with each drop reason.
#include <gtest/gtest.h>

#include "control/config_file.h"
#include "control/model.h"
#include "control/overlay_state.h"
#include "dataplane/explain.h"
#include "packet/parser.h"
#include "dataplane/pipeline.h"
#include "encap/flow_hash.h"
#include "tests/packet/frames.h"

namespace vfpath::test {
namespace {

// vm1 (sn-1, NACL acl-1) and vm2 (sn-2) are local; 10.0.3.10 and 10.0.1.20
// (in vm1's own subnet) live on host 192.168.100.2, fd00:10:0:3::10 on
// fd00:ff::2; 10.0.8.0/24 is routed to host .4. vpc-2 (VNI 200) reuses the
// addresses. acl-1 denies TCP 25 out and UDP 53 in, allows the rest.
const char* kConfig = R"({
  "generation": 1,
  "ports": [{"name": "a", "devargs": "net_null0", "role": "ENI"},
            {"name": "b", "devargs": "net_null1", "role": "ENI"},
            {"name": "u", "devargs": "net_null2", "role": "UPLINK"}],
  "vpcs": [{"id": "vpc-1", "cidrs": ["10.0.0.0/16", "fd00:10::/56"], "vni": 100},
           {"id": "vpc-2", "cidrs": ["10.0.0.0/16"], "vni": 200}],
  "subnets": [
    {"id": "sn-1", "vpc": "vpc-1", "ipv4_cidr": "10.0.1.0/24", "ipv6_cidr": "fd00:10:0:1::/64", "network_acl": "acl-1"},
    {"id": "sn-2", "vpc": "vpc-1", "ipv4_cidr": "10.0.2.0/24"},
    {"id": "sn-3", "vpc": "vpc-1", "ipv4_cidr": "10.0.3.0/24", "ipv6_cidr": "fd00:10:0:3::/64"}],
  "network_acls": [{"id": "acl-1", "vpc": "vpc-1",
    "egress": [{"rule_number": 100, "action": "DENY", "cidr": "0.0.0.0/0", "protocol": "tcp", "port_range": {"from": 25, "to": 25}},
               {"rule_number": 200, "action": "ALLOW", "cidr": "0.0.0.0/0"},
               {"rule_number": 210, "action": "ALLOW", "cidr": "::/0"}],
    "ingress": [{"rule_number": 100, "action": "DENY", "cidr": "0.0.0.0/0", "protocol": "udp", "port_range": {"from": 53, "to": 53}},
                {"rule_number": 200, "action": "ALLOW", "cidr": "0.0.0.0/0"},
                {"rule_number": 210, "action": "ALLOW", "cidr": "::/0"}]}],
  "enis": [
    {"id": "vm1", "port": "a", "mac": "02:00:00:00:01:0a", "subnet": "sn-1", "ipv4": ["10.0.1.10"], "ipv6": ["fd00:10:0:1::10"]},
    {"id": "vm2", "port": "b", "mac": "02:00:00:00:02:0a", "subnet": "sn-2", "ipv4": ["10.0.2.10"]}],
  "underlay": {"port": "u", "ipv4": "192.168.100.1", "ipv6": "fd00:ff::1", "mac": "02:00:00:00:ff:00",
               "next_hop_mac": "02:00:00:00:ff:01"},
  "mappings": [
    {"vpc": "vpc-1", "ip": "10.0.3.10", "underlay_ip": "192.168.100.2", "mac": "02:00:00:00:03:0a"},
    {"vpc": "vpc-1", "ip": "10.0.1.20", "underlay_ip": "192.168.100.2", "mac": "02:00:00:00:03:14"},
    {"vpc": "vpc-1", "ip": "fd00:10:0:3::10", "underlay_ip": "fd00:ff::2", "mac": "02:00:00:00:03:0a"},
    {"vpc": "vpc-2", "ip": "10.0.3.10", "underlay_ip": "192.168.100.3", "mac": "02:00:00:00:09:0a"}],
  "overlay_routes": [{"vpc": "vpc-1", "prefix": "10.0.8.0/24", "underlay_ip": "192.168.100.4"}]
})";
constexpr uint16_t kPortA = 0, kPortB = 1, kPortU = 2;
const std::string kOurMac = "02:00:00:00:ff:00", kNextHop = "02:00:00:00:ff:01", kPeerMac = "02:00:00:00:03:0a";

struct Appliance {
  control::OverlayState overlay{1024};
  std::unique_ptr<Snapshot> s;
  Appliance() {
    auto c = control::parse_config_json(kConfig, "test");
    auto plan = overlay.plan(control::build_model(c).model);
    s = control::compile_snapshot(c, {{"a", kPortA}, {"b", kPortB}, {"u", kPortU}}, plan.binding);
    overlay.apply(std::move(plan));
  }
};

// One frame through the pipeline, with two spare frames lent.
struct Pass {
  std::vector<uint8_t> buf = std::vector<uint8_t>(4096);
  std::vector<uint8_t> spare_buf = std::vector<uint8_t>(2 * 2304);
  Burst b;
  SpareFrames spares;
  Pass(const Snapshot& s, uint16_t port, const Bytes& in) {
    constexpr uint16_t kHeadroom = 128;
    std::copy(in.begin(), in.end(), buf.begin() + kHeadroom);
    b.count = 1;
    b.in_port = port;
    b.frames[0] = Frame{buf.data() + kHeadroom, static_cast<uint16_t>(in.size()), kHeadroom,
                        static_cast<uint16_t>(buf.size() - kHeadroom - in.size()), static_cast<uint32_t>(in.size())};
    spares.count = 2;
    for (int j = 0; j < 2; ++j) spares.frame[j] = Frame{spare_buf.data() + j * 2304 + kHeadroom, 0, kHeadroom, 2048, 0};
    ScratchContext scratch;
    run_pipeline(b, s, scratch.ctx, &spares);
  }
  const Verdict& v() const { return b.verdict[0]; }
  Bytes out() const { return Bytes(b.frames[0].data, b.frames[0].data + b.frames[0].len); }
};

Bytes from_vm1(const Bytes& ip, uint16_t type = 0x0800) { return eth(kRouterMac, kVm1Mac, type, ip); }
Bytes vxlan(uint32_t vni, uint8_t flags = 0x08) { return Bytes{flags, 0, 0, 0, uint8_t(vni >> 16), uint8_t(vni >> 8), uint8_t(vni), 0}; }
// What a peer host sends us: VXLAN over IPv4 from `outer_src` (zero UDP checksum, as Linux does).
Bytes from_host(const std::string& outer_src, uint32_t vni, const Bytes& inner_frame,
                const std::string& outer_dst = "192.168.100.1", uint16_t dport = 4789) {
  Bytes payload = vxlan(vni);
  append(payload, inner_frame);
  return eth(kOurMac, kNextHop, 0x0800, ipv4(outer_src, outer_dst, 17, udp(50000, dport, payload), {.ttl = 64, .id = 7}));
}
Bytes inner_to_vm1(const std::string& src, const Bytes& l4, uint8_t proto = 17, uint8_t ttl = 63) {
  return eth(kRouterMac, "02:00:00:00:03:0a", 0x0800, ipv4(src, "10.0.1.10", proto, l4, {.ttl = ttl}));
}
uint16_t be16_at(const Bytes& b, size_t at) { return static_cast<uint16_t>(b[at] << 8 | b[at + 1]); }

// The outer headers we must produce for `inner_frame` (as rewritten) to
// 192.168.100.2 with VNI 100: every byte, the UDP source port from the inner
// flow hash (the one value computed rather than written here).
Bytes expected_vxlan4(const std::string& peer, const Bytes& inner_frame) {
  PacketMeta im;
  EXPECT_EQ(parse_frame(inner_frame.data(), static_cast<uint32_t>(inner_frame.size()), im), DropReason::kNone);
  Bytes payload = vxlan(100);
  append(payload, inner_frame);
  return eth(kNextHop, kOurMac, 0x0800,
             ipv4("192.168.100.1", peer, 17, udp(encap::udp_source_port(encap::inner_flow_hash(im)), 4789, payload),
                  {.ttl = 64, .frag = 0x4000, .id = 0}));
}

TEST(OverlayEgress, ToAMappedRemoteIsEncapsulatedByteForByte) {
  Appliance a;
  const Bytes udp_packet = udp(1000, 2000, {1, 2, 3, 4});
  Pass r(*a.s, kPortA, from_vm1(ipv4("10.0.1.10", "10.0.3.10", 17, udp_packet)));
  EXPECT_EQ(r.v().action, Action::kForward);
  EXPECT_EQ(r.v().out_eni, kUplinkEni);
  // Inner: to the peer ENI's MAC from the router's, TTL decremented once.
  const Bytes inner = eth(kPeerMac, kRouterMac, 0x0800, ipv4("10.0.1.10", "10.0.3.10", 17, udp_packet, {.ttl = 63}));
  EXPECT_EQ(r.out(), expected_vxlan4("192.168.100.2", inner));
}

TEST(OverlayEgress, ARouteSendsToItsHostWithTheRouterMacInside) {
  Appliance a;
  Pass r(*a.s, kPortA, from_vm1(ipv4("10.0.1.10", "10.0.8.5", 6, tcp(40000, 443))));
  EXPECT_EQ(r.v().out_eni, kUplinkEni);
  const Bytes inner = eth(kRouterMac, kRouterMac, 0x0800, ipv4("10.0.1.10", "10.0.8.5", 6, tcp(40000, 443), {.ttl = 63}));
  EXPECT_EQ(r.out(), expected_vxlan4("192.168.100.4", inner));
}

TEST(OverlayEgress, IPv6OverAnIPv6UnderlayCarriesAValidUdpChecksum) {
  Appliance a;
  Pass r(*a.s, kPortA, from_vm1(ipv6("fd00:10:0:1::10", "fd00:10:0:3::10", 17, udp(7, 9, {5, 6})), 0x86dd));
  ASSERT_EQ(r.v().out_eni, kUplinkEni);
  Bytes o = r.out();
  ASSERT_EQ(o.size(), 14u + 40 + 8 + 8 + 14 + 40 + 10);
  EXPECT_EQ(be16_at(o, 12), 0x86dd);
  EXPECT_EQ(Bytes(o.begin() + 22, o.begin() + 38), ip6("fd00:ff::1"));
  EXPECT_EQ(Bytes(o.begin() + 38, o.begin() + 54), ip6("fd00:ff::2"));
  EXPECT_EQ(be16_at(o, 56), 4789);
  EXPECT_NE(be16_at(o, 60), 0);  // RFC 6935: never zero over IPv6
  EXPECT_EQ(ipv6_l4_checksum(o.data() + 22, o.data() + 38, 17, o.data() + 54, o.size() - 54).host(), 0);
  EXPECT_EQ(o[14 + 40 + 8 + 8 + 14 + 7], 63);  // inner hop limit decremented once
}

TEST(OverlayEgress, LocalTrafficIsNeverEncapsulated) {
  Appliance a;
  Pass r(*a.s, kPortA, from_vm1(ipv4("10.0.1.10", "10.0.2.10", 17, udp(1, 2))));
  EXPECT_EQ(r.v().action, Action::kForward);
  EXPECT_EQ(a.s->enis[r.v().out_eni].id, "vm2");
  EXPECT_EQ(r.out(), eth(kVm2Mac, kRouterMac, 0x0800, ipv4("10.0.1.10", "10.0.2.10", 17, udp(1, 2), {.ttl = 63})));
}

TEST(OverlayEgress, NoMappingAndNoRoute) {
  Appliance a;
  Pass r(*a.s, kPortA, from_vm1(ipv4("10.0.1.10", "10.0.9.9", 17, udp(1, 2))));
  EXPECT_EQ(r.v().drop, DropReason::kNoMapping);
}

TEST(OverlayEgress, TtlOneToARemotePeerGetsTimeExceededAsForALocalOne) {
  Appliance a;
  Pass r(*a.s, kPortA, from_vm1(ipv4("10.0.1.10", "10.0.3.10", 17, udp(1, 2), {.ttl = 1})));
  EXPECT_EQ(r.v().action, Action::kReply);
  EXPECT_EQ(r.v().drop, DropReason::kTtlExceeded);
}

TEST(OverlayEgress, A1500ByteDfPacketGetsFragNeededCarrying1450) {
  Appliance a;
  const Bytes big = ipv4("10.0.1.10", "10.0.3.10", 17, udp(1, 2, Bytes(1472, 0xab)), {.frag = 0x4000});
  ASSERT_EQ(big.size(), 1500u);
  Pass r(*a.s, kPortA, from_vm1(big));
  EXPECT_EQ(r.v().action, Action::kReply);
  EXPECT_EQ(r.v().drop, DropReason::kMtuExceeded);
  EXPECT_EQ(a.s->enis[r.v().out_eni].id, "vm1");
  Bytes o = r.out();
  EXPECT_EQ(Bytes(o.begin(), o.begin() + 6), mac(kVm1Mac));
  EXPECT_EQ(Bytes(o.begin() + 26, o.begin() + 30), ip4("10.0.1.1"));  // from the gateway
  EXPECT_EQ(Bytes(o.begin() + 30, o.begin() + 34), ip4("10.0.1.10"));
  EXPECT_EQ(o[34], 3);                // destination unreachable
  EXPECT_EQ(o[35], 4);                // fragmentation needed and DF set
  EXPECT_EQ(be16_at(o, 40), 1450);    // next-hop MTU: 1500 - 50 (VXLAN over IPv4)
}

TEST(OverlayEgress, A1450BytePacketFitsExactly) {
  Appliance a;
  Pass r(*a.s, kPortA, from_vm1(ipv4("10.0.1.10", "10.0.3.10", 17, udp(1, 2, Bytes(1422, 1)), {.frag = 0x4000})));
  ASSERT_EQ(r.v().out_eni, kUplinkEni);
  EXPECT_EQ(be16_at(r.out(), 16), 1500);  // outer IPv4 total length: exactly the underlay MTU
}

TEST(OverlayEgress, IPv6TooBigGetsPacketTooBigWithTheIPv6UnderlayMtu) {
  Appliance a;
  Pass r(*a.s, kPortA, from_vm1(ipv6("fd00:10:0:1::10", "fd00:10:0:3::10", 17, udp(1, 2, Bytes(1452, 0))), 0x86dd));
  EXPECT_EQ(r.v().action, Action::kReply);
  EXPECT_EQ(r.v().drop, DropReason::kMtuExceeded);
  Bytes o = r.out();
  EXPECT_EQ(o[54], 2);  // ICMPv6 packet too big
  EXPECT_EQ(static_cast<uint32_t>(be16_at(o, 58)) << 16 | be16_at(o, 60), 1430u);  // 1500 - 70
}

TEST(OverlayEgress, IPv4WithoutDfIsFragmentedThenEachFragmentEncapsulated) {
  Appliance a;
  const Bytes payload(1972, 0x5a);
  Pass r(*a.s, kPortA, from_vm1(ipv4("10.0.1.10", "10.0.3.10", 17, udp(1, 2, payload))));
  ASSERT_EQ(r.v().out_eni, kUplinkEni);
  ASSERT_EQ(r.spares.used, 1);
  ASSERT_EQ(r.spares.out[0], kUplinkEni);
  const Bytes first = r.out();
  const Bytes second(r.spares.frame[0].data, r.spares.frame[0].data + r.spares.frame[0].len);
  uint32_t carried = 0;
  for (const Bytes* f : {&first, &second}) {
    ASSERT_LE(f->size() - 14, 1500u);                        // each outer packet within the underlay MTU
    EXPECT_EQ(be16_at(*f, 20) & 0x4000, 0x4000);             // outer DF: the outside is never fragmented
    EXPECT_EQ(be16_at(*f, 36), be16_at(first, 36));          // one UDP source port: one underlay path
    const size_t inner_ip = 14 + 20 + 8 + 8 + 14;
    carried += be16_at(*f, inner_ip + 2) - 20;
  }
  EXPECT_EQ(be16_at(first, 14 + 20 + 8 + 8 + 14 + 6), 0x2000);   // first fragment: MF, offset 0
  EXPECT_EQ(be16_at(second, 14 + 20 + 8 + 8 + 14 + 6), 1424 / 8);  // last: offset 1424 bytes, no MF
  EXPECT_EQ(carried, 8u + payload.size());
}

TEST(OverlayEgress, WithoutSpareFramesAFragmentablePacketIsDroppedNotTruncated) {
  Appliance a;
  const Bytes in = from_vm1(ipv4("10.0.1.10", "10.0.3.10", 17, udp(1, 2, Bytes(1972, 0))));
  std::vector<uint8_t> buf(4096);
  std::copy(in.begin(), in.end(), buf.begin() + 128);
  Burst b;
  b.count = 1;
  b.in_port = kPortA;
  b.frames[0] = Frame{buf.data() + 128, static_cast<uint16_t>(in.size()), 128, 1800, static_cast<uint32_t>(in.size())};
  ScratchContext scratch;
  run_pipeline(b, *a.s, scratch.ctx);
  EXPECT_EQ(b.verdict[0].drop, DropReason::kMtuExceeded);
}

TEST(OverlayEgress, TheSourceSubnetsEgressNaclAppliesExceptWithinTheSubnet) {
  Appliance a;
  Pass denied(*a.s, kPortA, from_vm1(ipv4("10.0.1.10", "10.0.3.10", 6, tcp(40000, 25))));
  EXPECT_EQ(denied.v().drop, DropReason::kNaclDeny);
  // 10.0.1.20 is in vm1's subnet on another host: no NACL inside a subnet.
  Pass same_subnet(*a.s, kPortA, from_vm1(ipv4("10.0.1.10", "10.0.1.20", 6, tcp(40000, 25))));
  EXPECT_EQ(same_subnet.v().out_eni, kUplinkEni);
  EXPECT_EQ(same_subnet.v().drop, DropReason::kNone);
}

// --- ingress, from the uplink ---

struct IngressCase {
  const char* proves;
  Bytes in;
  DropReason drop;
};

std::vector<IngressCase> ingress_cases() {
  const Bytes ok_inner = inner_to_vm1("10.0.3.10", udp(1000, 2000, {1, 2}));
  Bytes geneve_payload = {0, 0, 0x65, 0x58, 0, 0, 100, 0};
  append(geneve_payload, ok_inner);
  return {
      {"a known VNI, our address, the owner of the source: delivered", from_host("192.168.100.2", 100, ok_inner), DropReason::kNone},
      {"a VNI no VPC has", from_host("192.168.100.2", 999, ok_inner), DropReason::kBadVni},
      {"another VPC's VNI: its ENIs are not these", from_host("192.168.100.3", 200, ok_inner), DropReason::kNoMapping},
      {"an inner destination that is not a local ENI", from_host("192.168.100.2", 100, eth(kRouterMac, kPeerMac, 0x0800, ipv4("10.0.3.10", "10.0.9.9", 17, udp(1, 2)))), DropReason::kNoMapping},
      {"an inner source owned by another host", from_host("192.168.100.4", 100, ok_inner), DropReason::kUnderlaySpoof},
      {"an inner source nobody owns", from_host("192.168.100.2", 100, inner_to_vm1("10.0.3.99", udp(1, 2))), DropReason::kUnderlaySpoof},
      {"not to our underlay address", from_host("192.168.100.2", 100, ok_inner, "192.168.100.7"), DropReason::kBadEncap},
      {"Geneve on a VXLAN underlay", eth(kOurMac, kNextHop, 0x0800, ipv4("192.168.100.2", "192.168.100.1", 17, udp(50000, 6081, geneve_payload))), DropReason::kBadEncap},
      {"VXLAN without the I flag", [&] { Bytes p = vxlan(100, 0); append(p, ok_inner); return eth(kOurMac, kNextHop, 0x0800, ipv4("192.168.100.2", "192.168.100.1", 17, udp(50000, 4789, p))); }(), DropReason::kBadEncap},
      {"encapsulated ARP: each host's router answers ARP itself", from_host("192.168.100.2", 100, eth("ff:ff:ff:ff:ff:ff", kPeerMac, 0x0806, arp(1, kPeerMac, "10.0.3.10", "00:00:00:00:00:00", "10.0.1.10"))), DropReason::kBadEncap},
      {"the destination subnet's ingress NACL applies", from_host("192.168.100.2", 100, inner_to_vm1("10.0.3.10", udp(5000, 53))), DropReason::kNaclDeny},
      {"... but not within the subnet", from_host("192.168.100.2", 100, inner_to_vm1("10.0.1.20", udp(5000, 53))), DropReason::kNone},
      {"a plain packet on the uplink", eth(kOurMac, kNextHop, 0x0800, ipv4("192.168.100.2", "192.168.100.1", 6, tcp(1, 22))), DropReason::kBadEncap},
  };
}

TEST(OverlayIngress, EachOutcome) {
  Appliance a;
  for (const IngressCase& c : ingress_cases()) {
    SCOPED_TRACE(c.proves);
    Pass r(*a.s, kPortU, c.in);
    EXPECT_EQ(drop_reason_name(r.v().drop), drop_reason_name(c.drop));
    if (c.drop == DropReason::kNone) {
      EXPECT_EQ(r.v().action, Action::kForward);
      ASSERT_LT(r.v().out_eni, a.s->enis.size());
      EXPECT_EQ(a.s->enis[r.v().out_eni].id, "vm1");
    }
  }
}

TEST(OverlayIngress, TheInnerPacketReachesTheVmUnchangedButForL2) {
  Appliance a;
  const Bytes ip = ipv4("10.0.3.10", "10.0.1.10", 17, udp(1000, 2000, {1, 2, 3}), {.ttl = 63});
  Pass r(*a.s, kPortU, from_host("192.168.100.2", 100, eth(kRouterMac, kPeerMac, 0x0800, ip)));
  ASSERT_EQ(r.v().action, Action::kForward);
  // No second TTL decrement: the sending host's router did it.
  EXPECT_EQ(r.out(), eth(kVm1Mac, kRouterMac, 0x0800, ip));
}

TEST(OverlayIngress, EncapsulatedNeighborDiscoveryFromTheOwnerIsAbsorbed) {
  Appliance a;
  const Bytes ns = eth(kRouterMac, kPeerMac, 0x86dd,
                       icmp6_packet("fd00:10:0:3::10", "fd00:10:0:1::10", neighbor_solicit_body("fd00:10:0:1::10", kPeerMac), 255));
  Bytes payload = vxlan(100);
  append(payload, ns);
  Bytes u = udp(50000, 4789, payload);
  Bytes src = ip6("fd00:ff::2"), dst = ip6("fd00:ff::1");
  be16 c = ipv6_l4_checksum(src.data(), dst.data(), 17, u.data(), u.size());
  u[6] = c.host() >> 8;
  u[7] = c.host() & 0xff;
  Pass r(*a.s, kPortU, eth(kOurMac, kNextHop, 0x86dd, ipv6("fd00:ff::2", "fd00:ff::1", 17, u)));
  EXPECT_EQ(r.v().drop, DropReason::kNdUnanswered);
}

TEST(OverlayIngress, WithTwoWorkersTheOwnerDecapsulatesAndTheOtherHandsOverUntouched) {
  Appliance a;
  const Bytes in = from_host("192.168.100.2", 100, inner_to_vm1("10.0.3.10", udp(1000, 2000, {1, 2})));
  int handed = 0, delivered = 0;
  for (uint32_t worker = 0; worker < 2; ++worker) {
    std::vector<uint8_t> buf(4096);
    std::copy(in.begin(), in.end(), buf.begin() + 128);
    Burst b;
    b.count = 1;
    b.in_port = kPortU;
    b.frames[0] = Frame{buf.data() + 128, static_cast<uint16_t>(in.size()), 128, 2048, static_cast<uint32_t>(in.size())};
    ScratchContext scratch(4096, 2, worker);
    run_pipeline(b, *a.s, scratch.ctx);
    if (b.verdict[0].action == Action::kHandoff) {
      ++handed;
      EXPECT_NE(b.verdict[0].owner, worker);
      EXPECT_EQ(Bytes(b.frames[0].data, b.frames[0].data + b.frames[0].len), in) << "handed over as received";
    } else {
      ++delivered;
      EXPECT_EQ(b.verdict[0].action, Action::kForward);
      EXPECT_EQ(b.frames[0].len, in.size() - 50);
    }
  }
  EXPECT_EQ(handed, 1);
  EXPECT_EQ(delivered, 1);
}

TEST(OverlayExplain, SaysWhichHostARemoteDestinationGoesTo) {
  Appliance a;
  Explanation e = explain(*a.s, {.eni = "vm1", .dst = "10.0.3.10", .protocol = 17, .dst_port = 53});
  EXPECT_EQ(e.verdict, "forward");
  EXPECT_EQ(e.to_eni, "");
  EXPECT_NE(e.route.find("the overlay sends it to host 192.168.100.2 (VNI 100)"), std::string::npos) << e.route;
  Explanation none = explain(*a.s, {.eni = "vm1", .dst = "10.0.9.9", .protocol = 17, .dst_port = 53});
  EXPECT_EQ(none.drop_reason, "no_mapping");
  EXPECT_NE(none.route.find("no mapping or route"), std::string::npos) << none.route;
}

// --- the appliance as a host of the underlay ---

TEST(Underlay, ArpForOurUnderlayAddressIsAnsweredWithTheUnderlayMac) {
  Appliance a;
  Pass r(*a.s, kPortU, eth("ff:ff:ff:ff:ff:ff", kNextHop, 0x0806, arp(1, kNextHop, "192.168.100.254", "00:00:00:00:00:00", "192.168.100.1")));
  EXPECT_EQ(r.v().action, Action::kReply);
  EXPECT_EQ(r.v().out_eni, kUplinkEni);
  EXPECT_EQ(r.out(), eth(kNextHop, kOurMac, 0x0806, arp(2, kOurMac, "192.168.100.1", kNextHop, "192.168.100.254")));
  Pass other(*a.s, kPortU, eth("ff:ff:ff:ff:ff:ff", kNextHop, 0x0806, arp(1, kNextHop, "192.168.100.254", "00:00:00:00:00:00", "192.168.100.7")));
  EXPECT_EQ(other.v().drop, DropReason::kArpUnanswered);
}

TEST(Underlay, NeighborSolicitationForOurUnderlayAddressIsAnswered) {
  Appliance a;
  Pass r(*a.s, kPortU, eth("33:33:ff:00:00:01", kNextHop, 0x86dd,
                          icmp6_packet("fd00:ff::fe", "ff02::1:ff00:1", neighbor_solicit_body("fd00:ff::1", kNextHop), 255)));
  EXPECT_EQ(r.v().action, Action::kReply);
  EXPECT_EQ(r.v().out_eni, kUplinkEni);
  Bytes o = r.out();
  EXPECT_EQ(Bytes(o.begin(), o.begin() + 12), [] { Bytes b = mac(kNextHop); append(b, mac(kOurMac)); return b; }());
  EXPECT_EQ(o[14 + 40], 136);  // neighbour advertisement
  EXPECT_EQ(Bytes(o.end() - 6, o.end()), mac(kOurMac));  // target link-layer address: the underlay MAC
  Pass other(*a.s, kPortU, eth("33:33:ff:00:00:07", kNextHop, 0x86dd,
                              icmp6_packet("fd00:ff::fe", "ff02::1:ff00:7", neighbor_solicit_body("fd00:ff::7", kNextHop), 255)));
  EXPECT_EQ(other.v().drop, DropReason::kNdUnanswered);
}

}  // namespace
}  // namespace vfpath::test
