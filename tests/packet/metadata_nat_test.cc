// The metadata service's client addresses and the TCP packets it accepts
// (packet/metadata_nat.h): every slot and address index round-trips, and
// what is not a whole, unfragmented TCP packet is refused.
#include <gtest/gtest.h>

#include <cstring>

#include "packet/metadata_nat.h"
#include "tests/packet/frames.h"

namespace vfpath::metadata {
namespace {

using namespace test;

TcpPacket to(const Ipv4Addr& a) {
  TcpPacket p;
  std::memcpy(p.dst, &a.value, 4);
  return p;
}
TcpPacket to(const Ipv6Addr& a) {
  TcpPacket p;
  p.v6 = true;
  std::memcpy(p.dst, a.bytes.data(), 16);
  return p;
}

TEST(MetadataNat, ClientAddressesNameTheirSlotAndAddressIndex) {
  for (uint32_t slot : {0u, 1u, 511u, kMaxSlots - 1})
    for (uint32_t index : {0u, 1u, 49u, kMaxAddressIndex - 1}) {
      uint32_t s = ~0u, i = ~0u;
      ASSERT_TRUE(client_of(to(client_v4(slot, index)), s, i));
      EXPECT_EQ(s, slot);
      EXPECT_EQ(i, index);
      ASSERT_TRUE(client_of(to(client_v6(slot, index)), s, i));
      EXPECT_EQ(s, slot);
      EXPECT_EQ(i, index);
    }
  uint32_t s, i;
  EXPECT_FALSE(client_of(to(Ipv4Addr::from_host(0x0a000001)), s, i)) << "10.0.0.1";
  EXPECT_FALSE(client_of(to(Ipv4Addr::from_host(0xc6130000u)), s, i)) << "198.19.0.0: past the slots";
  EXPECT_FALSE(client_of(to(service_v6()), s, i));
  EXPECT_EQ(client_v4(3, 2).host(), 0xc6120000u | 3u << 6 | 2u);  // 198.18.0.194
}

TEST(MetadataNat, OnlyWholeTcpPacketsAreRewritten) {
  Ip4Opts fragment;
  fragment.frag = 0x2000;  // MF
  struct Case {
    const char* what;
    Bytes ip;
    bool ok;
  } cases[] = {
      {"IPv4 TCP", ipv4("10.0.1.10", "169.254.169.254", 6, tcp(1, 80)), true},
      {"IPv6 TCP", ipv6("fd00::1", "fd00:ec2::254", 6, tcp(1, 80)), true},
      {"UDP", ipv4("10.0.1.10", "169.254.169.254", 17, udp(1, 80)), false},
      {"a fragment", ipv4("10.0.1.10", "169.254.169.254", 6, tcp(1, 80), fragment), false},
      {"truncated TCP", truncate(ipv4("10.0.1.10", "169.254.169.254", 6, tcp(1, 80)), 30), false},
      {"an IPv6 extension header", ipv6("fd00::1", "fd00:ec2::254", 60, ext6(6)), false},
      {"not IP", Bytes(40, 0x55), false},
  };
  for (Case& c : cases) {
    const uint8_t addr[16] = {198, 18, 0, 1};
    EXPECT_EQ(rewrite_address(c.ip.data(), static_cast<uint32_t>(c.ip.size()), true, addr), c.ok) << c.what;
  }
}

}  // namespace
}  // namespace vfpath::metadata
