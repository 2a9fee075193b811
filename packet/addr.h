// Link and network addresses as value types, stored in network byte order so
// they compare, hash and copy as plain bytes. Text conversion lives in
// control/ (the only place that reads text).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>

#include "packet/big_endian.h"

namespace vfpath {

struct MacAddr {
  std::array<uint8_t, 6> bytes{};
  constexpr bool operator==(const MacAddr&) const = default;
  constexpr bool is_multicast() const { return bytes[0] & 0x01; }  // broadcast included
  constexpr bool is_broadcast() const {
    for (uint8_t b : bytes)
      if (b != 0xff) return false;
    return true;
  }
  static MacAddr from(const uint8_t* p) {
    MacAddr m;
    std::memcpy(m.bytes.data(), p, 6);
    return m;
  }
};

struct Ipv4Addr {
  be32 value;  // network order
  constexpr bool operator==(const Ipv4Addr&) const = default;
  constexpr uint32_t host() const { return value.host(); }
  static constexpr Ipv4Addr from_host(uint32_t h) { return Ipv4Addr{be32::from_host(h)}; }
};

struct Ipv6Addr {
  std::array<uint8_t, 16> bytes{};
  constexpr bool operator==(const Ipv6Addr&) const = default;
  constexpr bool is_unspecified() const {
    for (uint8_t b : bytes)
      if (b) return false;
    return true;
  }
  constexpr bool is_link_local() const { return bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80; }
  constexpr bool is_multicast() const { return bytes[0] == 0xff; }
  static Ipv6Addr from(const uint8_t* p) {
    Ipv6Addr a;
    std::memcpy(a.bytes.data(), p, 16);
    return a;
  }
};

// An address of either family in 16 bytes: IPv4 sits in the first 4 bytes and
// the rest is zero, so equality and hashing need no family branch.
union IpAddr {
  uint8_t bytes[16];
  uint32_t words[4];
  uint64_t qwords[2];
};
static_assert(sizeof(IpAddr) == 16);

struct Ipv4Prefix {
  Ipv4Addr addr;  // canonical: host bits zero
  uint8_t len = 0;
  constexpr bool contains(Ipv4Addr a) const {
    if (len == 0) return true;
    uint32_t mask = len >= 32 ? 0xffffffffu : ~(0xffffffffu >> len);
    return (a.host() & mask) == (addr.host() & mask);
  }
  constexpr bool operator==(const Ipv4Prefix&) const = default;
};

struct Ipv6Prefix {
  Ipv6Addr addr;  // canonical: host bits zero
  uint8_t len = 0;
  constexpr bool contains(const Ipv6Addr& a) const {
    unsigned full = len / 8, rest = len % 8;
    for (unsigned i = 0; i < full; ++i)
      if (a.bytes[i] != addr.bytes[i]) return false;
    if (rest == 0) return true;
    uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
    return (a.bytes[full] & mask) == (addr.bytes[full] & mask);
  }
  constexpr bool operator==(const Ipv6Prefix&) const = default;
};

// The EUI-64 link-local address (RFC 4291 App. A) a router with this MAC uses.
inline Ipv6Addr link_local_from_mac(const MacAddr& m) {
  Ipv6Addr a;
  a.bytes[0] = 0xfe;
  a.bytes[1] = 0x80;
  a.bytes[8] = m.bytes[0] ^ 0x02;
  a.bytes[9] = m.bytes[1];
  a.bytes[10] = m.bytes[2];
  a.bytes[11] = 0xff;
  a.bytes[12] = 0xfe;
  a.bytes[13] = m.bytes[3];
  a.bytes[14] = m.bytes[4];
  a.bytes[15] = m.bytes[5];
  return a;
}

}  // namespace vfpath
