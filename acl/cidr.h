// CIDR and address text <-> binary, canonical form and host-bit checks.
// Pure logic (no DPDK); used by the ClassBench reader and the NACL model.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "acl/result.h"
#include "acl/rule.h"

namespace acl {

struct Cidr {
  Family family = Family::kIpv4;
  Address addr{};  // canonical: no bits set past len
  uint8_t len = 0;
  friend bool operator==(const Cidr&, const Cidr&) = default;
};

// What to do with bits set past the prefix length ("10.1.2.3/8").
enum class HostBits : uint8_t {
  kReject,  // Errc::kHostBitsSet naming the canonical form (NACL input)
  kClear,   // silently canonicalise (ClassBench / DPDK files do this)
};

// The family is taken from the text (':' means IPv6). A missing "/len" means
// a host route (/32 or /128).
Result<Cidr> parse_cidr(std::string_view text, HostBits host_bits);

// A bare address of the given family. Errc::kBadCidr if it is not one.
Result<Address> parse_address(std::string_view text, Family family);

// addr with every bit past len cleared.
Address mask_address(const Address& addr, uint8_t len);

std::string format_address(Family family, const Address& addr);
// Canonical text: "10.0.0.0/8", "2001:db8::/32".
std::string to_string(const Cidr& cidr);

}  // namespace acl
