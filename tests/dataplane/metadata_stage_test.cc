// The instance metadata path through the real pipeline and back: a VM's
// TCP segment to 169.254.169.254:80 (or [fd00:ec2::254]:80) leaves the
// pipeline as kToMetadata, cut to its IP packet, its source the ENI's
// client address, checksums right; the service's reply becomes a frame to
// the VM, from the router's MAC, with its VLAN, its own address as
// destination and the TTL the service chose. Disabled ENIs, a stopped
// service, spoofed sources and replies for no ENI are counted drops.
#include <gtest/gtest.h>

#include <algorithm>

#include "control/compile.h"
#include "control/config_file.h"
#include "dataplane/metadata_reply.h"
#include "dataplane/pipeline.h"
#include "packet/checksum.h"
#include "packet/metadata_nat.h"
#include "tests/packet/frames.h"

namespace vfpath {
namespace {

using namespace test;

const char* kConfig = R"({"generation": 1,
  "ports": [{"name": "a", "devargs": "net_null0", "role": "ENI"}],
  "vpcs": [{"id": "vpc-1", "cidrs": ["10.0.0.0/16", "fd00:10::/56"]}],
  "subnets": [{"id": "sn-1", "vpc": "vpc-1", "ipv4_cidr": "10.0.1.0/24", "ipv6_cidr": "fd00:10:0:1::/64"}],
  "enis": [{"id": "vm1", "port": "a", "mac": "02:00:00:00:01:0a", "subnet": "sn-1", "ipv4": ["10.0.1.10", "10.0.1.11"], "ipv6": ["fd00:10:0:1::10"]},
           {"id": "vm9", "port": "a", "mac": "02:00:00:00:09:0a", "vlan": 9, "subnet": "sn-1", "ipv4": ["10.0.1.90"]},
           {"id": "vm3", "port": "a", "mac": "02:00:00:00:03:0a", "subnet": "sn-1", "ipv4": ["10.0.1.30"],
            "metadata_options": {"http_endpoint": "disabled"}}]})";

struct Result {
  Verdict v;
  Bytes out;  // the frame's bytes after the pipeline
};

struct Buffer {
  std::vector<uint8_t> buf = std::vector<uint8_t>(2048);
  Frame load(const Bytes& bytes, uint16_t headroom = 128) {
    std::copy(bytes.begin(), bytes.end(), buf.begin() + headroom);
    return Frame{buf.data() + headroom, static_cast<uint16_t>(bytes.size()), headroom, 1024,
                 static_cast<uint32_t>(bytes.size())};
  }
};

Result run(const Snapshot& s, const Bytes& frame, bool service_running = true) {
  ScratchContext scratch;
  scratch.ctx.metadata_running = service_running;
  Buffer buf;
  Burst b;
  b.count = 1;
  b.in_port = 0;
  b.frames[0] = buf.load(frame);
  run_pipeline(b, s, scratch.ctx);
  return {b.verdict[0], Bytes(b.frames[0].data, b.frames[0].data + b.frames[0].len)};
}

uint16_t tcp_checksum_over(const Bytes& pseudo_addrs, const uint8_t* l4, size_t len) {
  Bytes pseudo = pseudo_addrs;
  if (pseudo_addrs.size() == 8) pseudo.insert(pseudo.end(), {0, 6, static_cast<uint8_t>(len >> 8), static_cast<uint8_t>(len)});
  else pseudo.insert(pseudo.end(), {0, 0, static_cast<uint8_t>(len >> 8), static_cast<uint8_t>(len), 0, 0, 0, 6});
  return checksum_finish(checksum_partial(l4, len, checksum_partial(pseudo.data(), pseudo.size()))).host();
}

std::unique_ptr<Snapshot> snapshot() {
  return control::compile_snapshot(control::parse_config_json(kConfig, "test"), {{"a", 0}});
}

const Bytes kGet = {'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P', '/', '1', '.', '1', '\r', '\n', '\r', '\n'};

TEST(MetadataStage, AVmsRequestLeavesAsItsIpPacketFromItsClientAddress) {
  auto s = snapshot();
  const Bytes ip = ipv4("10.0.1.11", "169.254.169.254", 6, tcp(40000, 80, 0x18, 5, kGet));
  const Result r = run(*s, eth(kRouterMac, kVm1Mac, 0x0800, ip));
  ASSERT_EQ(static_cast<int>(r.v.action), static_cast<int>(Action::kToMetadata)) << drop_reason_name(r.v.drop);
  ASSERT_EQ(r.out.size(), ip.size());  // no Ethernet header
  const Ipv4Addr client = metadata::client_v4(s->enis[0].counter_slot, 1);  // its second address
  EXPECT_EQ(Bytes(r.out.begin() + 12, r.out.begin() + 16),
            Bytes(reinterpret_cast<const uint8_t*>(&client.value), reinterpret_cast<const uint8_t*>(&client.value) + 4));
  EXPECT_EQ(Bytes(r.out.begin() + 16, r.out.begin() + 20), ip4("169.254.169.254"));
  EXPECT_TRUE(ipv4_header_checksum_ok(r.out.data(), 20));
  EXPECT_EQ(tcp_checksum_over(Bytes(r.out.begin() + 12, r.out.begin() + 20), r.out.data() + 20, r.out.size() - 20), 0);
  EXPECT_EQ(Bytes(r.out.begin() + 20 + 20, r.out.end()), kGet);  // the payload untouched
}

TEST(MetadataStage, IPv6RequestsGoToTheServiceToo) {
  auto s = snapshot();
  const Bytes ip = ipv6("fd00:10:0:1::10", "fd00:ec2::254", 6, tcp(40000, 80));
  const Result r = run(*s, eth(kRouterMac, kVm1Mac, 0x86dd, ip));
  ASSERT_EQ(static_cast<int>(r.v.action), static_cast<int>(Action::kToMetadata)) << drop_reason_name(r.v.drop);
  const Ipv6Addr client = metadata::client_v6(s->enis[0].counter_slot, 0);
  EXPECT_EQ(Bytes(r.out.begin() + 8, r.out.begin() + 24), Bytes(client.bytes.begin(), client.bytes.end()));
  EXPECT_EQ(tcp_checksum_over(Bytes(r.out.begin() + 8, r.out.begin() + 40), r.out.data() + 40, r.out.size() - 40), 0);
}

TEST(MetadataStage, WhatTheServiceDoesNotTakeIsACountedDrop) {
  auto s = snapshot();
  struct Case {
    const char* what;
    Bytes frame;
    bool running;
    DropReason want;
  } cases[] = {
      {"an ENI with http_endpoint disabled", eth(kRouterMac, "02:00:00:00:03:0a", 0x0800,
                                                  ipv4("10.0.1.30", "169.254.169.254", 6, tcp(40000, 80))),
       true, DropReason::kMetadataDisabled},
      {"no service running", eth(kRouterMac, kVm1Mac, 0x0800, ipv4("10.0.1.10", "169.254.169.254", 6, tcp(40000, 80))),
       false, DropReason::kMetadataUnavailable},
      {"a source that is not the ENI's", eth(kRouterMac, kVm1Mac, 0x0800,
                                             ipv4("10.0.1.99", "169.254.169.254", 6, tcp(40000, 80))),
       true, DropReason::kSpoofedSrcIp},
  };
  for (const Case& c : cases) {
    const Result r = run(*s, c.frame, c.running);
    EXPECT_EQ(static_cast<int>(r.v.action), static_cast<int>(Action::kDrop)) << c.what;
    EXPECT_EQ(drop_reason_name(r.v.drop), drop_reason_name(c.want)) << c.what;
  }
  // Other ports of 169.254.169.254 are not the service: not steered to it.
  const Result other = run(*s, eth(kRouterMac, kVm1Mac, 0x0800, ipv4("10.0.1.10", "169.254.169.254", 6, tcp(40000, 8080))));
  EXPECT_NE(static_cast<int>(other.v.action), static_cast<int>(Action::kToMetadata));
}

TEST(MetadataReply, TheServicesReplyBecomesAFrameForTheVmWithItsTtlKept) {
  auto s = snapshot();
  const uint32_t slot = s->enis[1].counter_slot;  // vm9, VLAN 9
  const Ipv4Addr client = metadata::client_v4(slot, 0);
  Bytes reply = ipv4("169.254.169.254", "198.18.0.0", 6, tcp(80, 40000, 0x12));
  std::memcpy(reply.data() + 16, &client.value, 4);
  reply[8] = 1;  // the token PUT's hop limit
  Buffer buf;
  Frame f = buf.load(reply);
  MetadataDelivery to;
  ASSERT_EQ(drop_reason_name(metadata_reply_frame(f, *s, to)), drop_reason_name(DropReason::kNone));
  EXPECT_EQ(to.port, s->enis[1].port);
  EXPECT_EQ(to.slot, slot);
  const Bytes out(f.data, f.data + f.len);
  ASSERT_EQ(out.size(), 18 + reply.size());
  EXPECT_EQ(Bytes(out.begin(), out.begin() + 6), mac("02:00:00:00:09:0a"));
  EXPECT_EQ(Bytes(out.begin() + 6, out.begin() + 12), mac(kRouterMac));
  EXPECT_EQ(Bytes(out.begin() + 12, out.begin() + 18), (Bytes{0x81, 0x00, 0x00, 0x09, 0x08, 0x00}));
  const uint8_t* ip = out.data() + 18;
  EXPECT_EQ(ip[8], 1);  // not counted down
  EXPECT_EQ(Bytes(ip + 16, ip + 20), ip4("10.0.1.90"));
  EXPECT_TRUE(ipv4_header_checksum_ok(ip, 20));
  EXPECT_EQ(tcp_checksum_over(Bytes(ip + 12, ip + 20), ip + 20, reply.size() - 20), 0);
}

TEST(MetadataReply, RepliesItCannotPlaceAreRefusedWithAReason) {
  auto s = snapshot();
  auto to_client = [](Bytes ip, const uint8_t* addr) {
    std::memcpy(ip.data() + 16, addr, 4);
    return ip;
  };
  const Ipv4Addr gone = metadata::client_v4(777, 0);            // a slot no ENI holds
  const Ipv4Addr bad_index = metadata::client_v4(0, 5);         // vm1 has two IPv4 addresses
  const Ipv4Addr good = metadata::client_v4(s->enis[0].counter_slot, 0);
  struct Case {
    const char* what;
    Bytes ip;
    DropReason want;
  } cases[] = {
      {"a slot no ENI holds", to_client(ipv4("169.254.169.254", "0.0.0.0", 6, tcp(80, 1)), reinterpret_cast<const uint8_t*>(&gone.value)), DropReason::kMetadataUnavailable},
      {"an address index the ENI lacks", to_client(ipv4("169.254.169.254", "0.0.0.0", 6, tcp(80, 1)), reinterpret_cast<const uint8_t*>(&bad_index.value)), DropReason::kMetadataUnavailable},
      {"not from the service", to_client(ipv4("10.9.9.9", "0.0.0.0", 6, tcp(80, 1)), reinterpret_cast<const uint8_t*>(&good.value)), DropReason::kMalformed},
      {"not to a client address", ipv4("169.254.169.254", "10.0.1.10", 6, tcp(80, 1)), DropReason::kMalformed},
      {"UDP", to_client(ipv4("169.254.169.254", "0.0.0.0", 17, udp(80, 1)), reinterpret_cast<const uint8_t*>(&good.value)), DropReason::kMalformed},
      {"truncated", truncate(to_client(ipv4("169.254.169.254", "0.0.0.0", 6, tcp(80, 1)), reinterpret_cast<const uint8_t*>(&good.value)), 30), DropReason::kMalformed},
  };
  for (const Case& c : cases) {
    Buffer buf;
    Frame f = buf.load(c.ip);
    MetadataDelivery to;
    EXPECT_EQ(drop_reason_name(metadata_reply_frame(f, *s, to)), drop_reason_name(c.want)) << c.what;
  }
  Buffer tight;
  Frame f = tight.load(to_client(ipv4("169.254.169.254", "0.0.0.0", 6, tcp(80, 1)), reinterpret_cast<const uint8_t*>(&good.value)), 8);
  MetadataDelivery to;
  EXPECT_EQ(drop_reason_name(metadata_reply_frame(f, *s, to)), drop_reason_name(DropReason::kMultiSegment)) << "no headroom";
}

}  // namespace
}  // namespace vfpath
