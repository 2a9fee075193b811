// CIDR parsing, canonical form and host-bit errors (pure, no EAL).
#include "acl/cidr.h"

#include <gtest/gtest.h>

namespace acl {
namespace {

struct ParseCase {
  const char* proves;
  const char* text;
  HostBits host_bits;
  bool ok;
  Errc code;              // when !ok
  const char* canonical;  // when ok
  const char* message_has;
};

class CidrParse : public ::testing::TestWithParam<ParseCase> {};

TEST_P(CidrParse, Case) {
  const ParseCase& c = GetParam();
  SCOPED_TRACE(c.proves);
  auto r = parse_cidr(c.text, c.host_bits);
  ASSERT_EQ(r.ok(), c.ok) << (r.ok() ? to_string(r.value()) : r.error().message);
  if (c.ok) {
    EXPECT_EQ(to_string(r.value()), c.canonical);
  } else {
    EXPECT_EQ(r.error().code, c.code);
    EXPECT_NE(r.error().message.find(c.message_has), std::string::npos) << r.error().message;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, CidrParse,
    ::testing::Values(
        ParseCase{"plain IPv4 prefix", "10.0.0.0/8", HostBits::kReject, true, {}, "10.0.0.0/8", ""},
        ParseCase{"/0 is the whole space", "0.0.0.0/0", HostBits::kReject, true, {}, "0.0.0.0/0", ""},
        ParseCase{"missing length is a host route", "192.0.2.1", HostBits::kReject, true, {},
                  "192.0.2.1/32", ""},
        ParseCase{"IPv6 canonical text is compressed", "2001:0db8:0000::/32", HostBits::kReject,
                  true, {}, "2001:db8::/32", ""},
        ParseCase{"IPv6 /128 host", "::1/128", HostBits::kReject, true, {}, "::1/128", ""},
        ParseCase{"host bits rejected with the canonical form named", "10.1.2.3/8",
                  HostBits::kReject, false, Errc::kHostBitsSet, "", "10.0.0.0/8"},
        ParseCase{"IPv6 host bits rejected", "2001:db8::1/64", HostBits::kReject, false,
                  Errc::kHostBitsSet, "", "2001:db8::/64"},
        ParseCase{"host bits cleared when asked (ClassBench files)", "10.1.2.3/8",
                  HostBits::kClear, true, {}, "10.0.0.0/8", ""},
        ParseCase{"non-byte-aligned mask keeps the right bits", "10.255.0.0/9", HostBits::kClear,
                  true, {}, "10.128.0.0/9", ""},
        ParseCase{"IPv4 length over 32", "10.0.0.0/33", HostBits::kReject, false, Errc::kBadCidr,
                  "", "prefix length"},
        ParseCase{"IPv6 length over 128", "::/129", HostBits::kReject, false, Errc::kBadCidr, "",
                  "prefix length"},
        ParseCase{"garbage length", "10.0.0.0/x", HostBits::kReject, false, Errc::kBadCidr, "",
                  "prefix length"},
        ParseCase{"empty length", "10.0.0.0/", HostBits::kReject, false, Errc::kBadCidr, "",
                  "prefix length"},
        ParseCase{"bad address", "10.0.0.256/8", HostBits::kReject, false, Errc::kBadCidr, "",
                  "not an IPv4 address"},
        ParseCase{"empty text", "", HostBits::kReject, false, Errc::kBadCidr, "",
                  "not an IP address"}));

TEST(MaskAddress, ClearsEveryBitPastTheLength) {
  Address all;
  all.bytes.fill(0xff);
  EXPECT_EQ(mask_address(all, 0), Address{});
  EXPECT_EQ(mask_address(all, 128), all);
  const Address m65 = mask_address(all, 65);
  EXPECT_EQ(m65.bytes[7], 0xff);
  EXPECT_EQ(m65.bytes[8], 0x80);
  EXPECT_EQ(m65.bytes[9], 0x00);
}

}  // namespace
}  // namespace acl
