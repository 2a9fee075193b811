// The 5-tuple rule the classifier is built from (plain data, no DPDK).
//
// A rule matches a packet when all five dimensions match:
//   (src & mask(src_len)) == (rule.src & mask(src_len)), same for dst;
//   sport.lo <= sport <= sport.hi, same for dport (inclusive ranges);
//   (proto & proto_mask) == (rule.proto & proto_mask).
// Priority is position: in a rule vector the lowest index that matches wins,
// and classify() reports it as userdata = index + 1 (0 = no match, the
// rte_acl convention).
//
// ICMP / ICMPv6: the classifier has no separate type/code dimension. A rule
// for ICMP type T code C puts T in the source-port range and C in the
// destination-port range (any = 0..255, but 0..65535 works too), and the
// fast path puts the ICMP type in Ipv4Key::sport and the code in
// Ipv4Key::dport (in network byte order, i.e. as htons(type)). See
// acl/README.md.
#pragma once

#include <array>
#include <cstdint>

namespace acl {

enum class Family : uint8_t { kIpv4 = 4, kIpv6 = 6 };

inline constexpr uint8_t max_prefix_len(Family f) {
  return f == Family::kIpv4 ? 32 : 128;
}

// An IPv4 or IPv6 address in network byte order. IPv4 uses bytes[0..3];
// the rest is zero. The family is carried by the owner (Rule, Cidr).
struct Address {
  std::array<uint8_t, 16> bytes{};

  // From a host-order IPv4 value (e.g. 0x0a000001 = 10.0.0.1).
  static constexpr Address v4(uint32_t host) {
    Address a;
    a.bytes[0] = static_cast<uint8_t>(host >> 24);
    a.bytes[1] = static_cast<uint8_t>(host >> 16);
    a.bytes[2] = static_cast<uint8_t>(host >> 8);
    a.bytes[3] = static_cast<uint8_t>(host);
    return a;
  }
  constexpr uint32_t v4_host() const {
    return (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) |
           (uint32_t{bytes[2]} << 8) | uint32_t{bytes[3]};
  }
  friend constexpr bool operator==(const Address&, const Address&) = default;
};

struct PortRange {
  uint16_t lo = 0;
  uint16_t hi = 65535;  // inclusive
  friend constexpr bool operator==(const PortRange&, const PortRange&) = default;
};

// Defaults are the wildcard: any address, any port, any protocol.
struct Rule {
  Family family = Family::kIpv4;
  Address src{};
  uint8_t src_len = 0;
  Address dst{};
  uint8_t dst_len = 0;
  PortRange sport{};
  PortRange dport{};
  uint8_t proto = 0;
  uint8_t proto_mask = 0;  // 0 = any protocol, 0xff = exact
  friend constexpr bool operator==(const Rule&, const Rule&) = default;
};

}  // namespace acl
