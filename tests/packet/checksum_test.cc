// Checksums against hand-checked vectors, and the incremental update against
// a full recomputation for every TTL value.
#include "packet/checksum.h"

#include <gtest/gtest.h>

#include <cstring>

namespace vfpath {
namespace {

// The example header of RFC 1071 errata / Wikipedia "IPv4 header checksum":
// 4500 0073 0000 4000 4011 [b861] c0a8 0001 c0a8 00c7
const uint8_t kHeader[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                             0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};

TEST(Checksum, KnownIpv4HeaderVerifiesAndRecomputes) {
  EXPECT_TRUE(ipv4_header_checksum_ok(kHeader, 20));
  uint8_t h[20];
  std::memcpy(h, kHeader, 20);
  ipv4_header_checksum_set(h, 20);
  EXPECT_EQ(h[10], 0xb8);
  EXPECT_EQ(h[11], 0x61);
  h[15] ^= 1;
  EXPECT_FALSE(ipv4_header_checksum_ok(h, 20));
}

TEST(Checksum, IncrementalTtlUpdateEqualsFullRecompute) {
  uint8_t h[20];
  std::memcpy(h, kHeader, 20);
  for (int ttl = 255; ttl >= 1; --ttl) {
    h[8] = static_cast<uint8_t>(ttl);
    ipv4_header_checksum_set(h, 20);
    be16 before;
    std::memcpy(&before, h + 10, 2);
    be16 old_word = be16::from_host(static_cast<uint16_t>(h[8] << 8 | h[9]));
    h[8]--;
    be16 new_word = be16::from_host(static_cast<uint16_t>(h[8] << 8 | h[9]));
    be16 adjusted = checksum_adjust(before, old_word, new_word);
    ipv4_header_checksum_set(h, 20);
    be16 full;
    std::memcpy(&full, h + 10, 2);
    EXPECT_EQ(adjusted.host(), full.host()) << "ttl " << ttl;
  }
}

TEST(Checksum, Ipv6PseudoHeaderSumOfAValidMessageIsZero) {
  uint8_t src[16] = {0xfe, 0x80}, dst[16] = {0xff, 0x02};
  src[15] = 1;
  dst[15] = 2;
  uint8_t msg[8] = {133, 0, 0, 0, 0, 0, 0, 0};  // router solicitation
  be16 c = ipv6_l4_checksum(src, dst, 58, msg, sizeof msg);
  std::memcpy(msg + 2, &c, 2);
  EXPECT_EQ(ipv6_l4_checksum(src, dst, 58, msg, sizeof msg).host(), 0);
}

}  // namespace
}  // namespace vfpath

namespace vfpath {
namespace {

// The word-at-a-time sum against the RFC 1071 definition (network-order
// 16-bit words, odd byte padded with zero), for every length 0..67 and with a
// carried-in partial sum, as the pseudo-header code chains it.
uint32_t reference_sum(const uint8_t* p, size_t len, uint32_t initial) {
  uint64_t s = initial;
  for (size_t i = 0; i + 1 < len; i += 2) s += uint32_t(p[i] << 8 | p[i + 1]);
  if (len % 2) s += uint32_t(p[len - 1] << 8);
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<uint32_t>(s);
}

TEST(Checksum, WordWideSumEqualsTheDefinitionForEveryLength) {
  uint8_t buf[67];
  uint32_t seed = 12345;
  for (auto& b : buf) b = static_cast<uint8_t>((seed = seed * 1103515245 + 12345) >> 16);
  for (size_t len = 0; len <= sizeof buf; ++len)
    for (uint32_t initial : {0u, 1u, 0xfffeu, 0x1234u}) {
      uint32_t got = checksum_partial(buf, len, initial);
      uint32_t want = reference_sum(buf, len, initial);
      // 0 and 0xffff are the same number in one's complement.
      EXPECT_TRUE(got == want || (got % 0xffff == 0 && want % 0xffff == 0)) << "len " << len << " initial " << initial;
    }
}

TEST(Checksum, Ipv4PseudoHeaderChecksumMatchesTheDefinitionAndVerifiesToZero) {
  // A UDP datagram 10.0.1.10:68 -> 10.0.1.1:67, 5 bytes of data (odd length).
  const uint8_t src[4] = {10, 0, 1, 10}, dst[4] = {10, 0, 1, 1};
  uint8_t udp[13] = {0, 68, 0, 67, 0, 13, 0, 0, 'h', 'e', 'l', 'l', 'o'};
  const uint8_t pseudo[12] = {10, 0, 1, 10, 10, 0, 1, 1, 0, 17, 0, 13};
  const uint32_t want = static_cast<uint16_t>(~reference_sum(udp, sizeof udp, reference_sum(pseudo, 12, 0)));
  const be16 c = ipv4_l4_checksum(src, dst, 17, udp, sizeof udp);
  EXPECT_EQ(c.host(), want);
  udp[6] = static_cast<uint8_t>(c.host() >> 8), udp[7] = static_cast<uint8_t>(c.host());
  EXPECT_EQ(ipv4_l4_checksum(src, dst, 17, udp, sizeof udp).host(), 0);  // filled in: verifies to 0
  udp[9] ^= 1;
  EXPECT_NE(ipv4_l4_checksum(src, dst, 17, udp, sizeof udp).host(), 0);
}

}  // namespace
}  // namespace vfpath
