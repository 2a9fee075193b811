// Whole frames for conntrack tests, built with the dataplane test builders and
// parsed by the real parser, so keys come from the same PacketMeta the
// pipeline will hand over.
#pragma once

#include <gtest/gtest.h>

#include "packet/parser.h"
#include "tests/packet/frames.h"

namespace vfpath::ct::test {

using vfpath::test::Bytes;

struct Parsed {
  Bytes frame;
  PacketMeta meta;
};

inline Parsed parsed(Bytes frame) {
  Parsed p{std::move(frame), {}};
  EXPECT_EQ(parse_frame(p.frame.data(), static_cast<uint32_t>(p.frame.size()), p.meta), DropReason::kNone);
  return p;
}

inline Bytes eth4(const Bytes& ip) {
  return vfpath::test::eth(vfpath::test::kRouterMac, vfpath::test::kVm1Mac, 0x0800, ip);
}
inline Bytes eth6(const Bytes& ip) {
  return vfpath::test::eth(vfpath::test::kRouterMac, vfpath::test::kVm1Mac, 0x86dd, ip);
}

inline Parsed udp4(const std::string& s, const std::string& d, uint16_t sp, uint16_t dp) {
  return parsed(eth4(vfpath::test::ipv4(s, d, 17, vfpath::test::udp(sp, dp, Bytes(4)))));
}
inline Parsed tcp4(const std::string& s, const std::string& d, uint16_t sp, uint16_t dp, uint8_t flags) {
  return parsed(eth4(vfpath::test::ipv4(s, d, 6, vfpath::test::tcp(sp, dp, flags))));
}
inline Parsed udp6(const std::string& s, const std::string& d, uint16_t sp, uint16_t dp) {
  return parsed(eth6(vfpath::test::ipv6(s, d, 17, vfpath::test::udp(sp, dp, Bytes(4)))));
}
inline Parsed echo4(const std::string& s, const std::string& d, uint8_t type, uint16_t id) {
  return parsed(eth4(vfpath::test::ipv4(s, d, 1, vfpath::test::icmp4(type, 0, id, 1))));
}
inline Parsed echo6(const std::string& s, const std::string& d, uint8_t type, uint16_t id) {
  return parsed(eth6(vfpath::test::icmp6_packet(s, d, vfpath::test::icmp6_body(type, 0, id, 1))));
}
inline Parsed proto4(const std::string& s, const std::string& d, uint8_t proto) {
  return parsed(eth4(vfpath::test::ipv4(s, d, proto, Bytes(16))));
}

}  // namespace vfpath::ct::test
