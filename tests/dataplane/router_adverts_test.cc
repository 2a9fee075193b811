// Unsolicited router advertisements (dataplane/router_adverts.h): what one
// looks like on the wire for an ENI, untagged and tagged, which ENIs get
// none, and when rounds fall.
#include <gtest/gtest.h>

#include "control/compile.h"
#include "control/config_file.h"
#include "dataplane/router_adverts.h"
#include "packet/checksum.h"
#include "tests/packet/frames.h"

namespace vfpath {
namespace {

using namespace test;

const char* kConfig = R"({"generation": 1,
  "ports": [{"name": "a", "devargs": "net_null0", "role": "ENI"}],
  "vpcs": [{"id": "vpc-1", "cidrs": ["10.0.0.0/16", "fd00:10::/56"]}],
  "subnets": [{"id": "sn-1", "vpc": "vpc-1", "ipv4_cidr": "10.0.1.0/24", "ipv6_cidr": "fd00:10:0:1::/64"},
              {"id": "sn-2", "vpc": "vpc-1", "ipv4_cidr": "10.0.2.0/24"}],
  "enis": [{"id": "vm1", "port": "a", "mac": "02:00:00:00:01:0a", "subnet": "sn-1", "ipv4": ["10.0.1.10"]},
           {"id": "vm9", "port": "a", "mac": "02:00:00:00:09:0a", "vlan": 9, "subnet": "sn-1", "ipv4": ["10.0.1.90"]},
           {"id": "vm2", "port": "a", "mac": "02:00:00:00:02:0a", "subnet": "sn-2", "ipv4": ["10.0.2.10"]}]})";

struct Out {
  bool written;
  Bytes frame;
};

Out advert(const Snapshot& s, uint16_t eni) {
  std::vector<uint8_t> buf(2048);
  Frame f{buf.data() + 128, 0, 128, 1024, 0};
  const bool ok = write_unsolicited_advert(f, s, eni);
  return {ok, Bytes(f.data, f.data + f.len)};
}

TEST(RouterAdverts, AnEniGetsTheAdvertisementASolicitationWould) {
  auto s = control::compile_snapshot(control::parse_config_json(kConfig, "test"), {{"a", 0}});
  for (uint16_t eni : {uint16_t{0}, uint16_t{1}}) {
    const Out o = advert(*s, eni);
    ASSERT_TRUE(o.written);
    const Bytes& f = o.frame;
    const size_t l2 = eni == 1 ? 18 : 14;
    EXPECT_EQ(Bytes(f.begin(), f.begin() + 6), mac(eni == 1 ? "02:00:00:00:09:0a" : kVm1Mac)) << "to the ENI's own MAC";
    EXPECT_EQ(Bytes(f.begin() + 6, f.begin() + 12), mac(kRouterMac));
    if (eni == 1) EXPECT_EQ(Bytes(f.begin() + 12, f.begin() + 18), (Bytes{0x81, 0x00, 0x00, 0x09, 0x86, 0xdd}));
    else EXPECT_EQ(Bytes(f.begin() + 12, f.begin() + 14), (Bytes{0x86, 0xdd}));
    const uint8_t* ip = f.data() + l2;
    EXPECT_EQ(ip[7], 255) << "hop limit";
    EXPECT_EQ(Bytes(ip + 8, ip + 24), Bytes(s->router_link_local.bytes.begin(), s->router_link_local.bytes.end()));
    EXPECT_EQ(Bytes(ip + 24, ip + 40), ip6("ff02::1"));
    const uint8_t* ra = ip + 40;
    const size_t icmp_len = f.size() - l2 - 40;
    EXPECT_EQ(ra[0], 134);
    EXPECT_EQ(ra[5] & 0x80, 0x80) << "M: addresses by DHCPv6";
    EXPECT_EQ(ipv6_l4_checksum(ip + 8, ip + 24, 58, ra, icmp_len).raw(), 0) << "checksum";
    EXPECT_EQ(size_t{uint16_t(ip[4] << 8 | ip[5])}, icmp_len);
  }
  EXPECT_FALSE(advert(*s, 2).written) << "vm2's subnet has no IPv6";
  EXPECT_FALSE(advert(*s, 3).written) << "no such ENI";
}

TEST(RouterAdverts, RoundsFallBetweenAThirdOfTheMaximumAndIt) {
  for (uint32_t r : {0u, 1u, 0x80000000u, 0xffffffffu}) {
    const uint64_t at = next_advert_round(1000, 10, 600, r);
    EXPECT_GE(at, 1000u + 2000);
    EXPECT_LT(at, 1000u + 6000);
  }
  EXPECT_NE(next_advert_round(0, 10, 600, 1), next_advert_round(0, 10, 600, 0xc0000000u)) << "spread";
}

}  // namespace
}  // namespace vfpath
