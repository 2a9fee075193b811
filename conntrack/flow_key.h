// The connection key: (zone, family, addresses, ports, protocol) in one
// canonical orientation, so that both directions of a connection build the
// same 40 bytes, hash to the same value and find the same entry. Which side
// sent a packet is returned beside the key (`Side`); the entry remembers which
// side originated the connection, so a lookup from either direction knows
// whether the packet is original or reply.
//
// Canonical order: side A is the (address, port) pair that compares lower,
// side B the other. ICMP/ICMPv6 echo carries the identifier in port_a and 0 in
// port_b whichever way it goes (PacketMeta puts the id in src_port for both
// request and reply), and the sides are ordered by address alone.
// Pure functions: thread-safe, allocation-free, never throw.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "packet/addr.h"
#include "packet/big_endian.h"
#include "packet/packet_meta.h"

namespace vfpath::ct {

enum class Side : uint8_t { kA = 0, kB = 1 };
// Relative to the originator recorded in the entry.
enum class Dir : uint8_t { kOriginal = 0, kReply = 1 };

inline constexpr Side other(Side s) { return s == Side::kA ? Side::kB : Side::kA; }

// Offsets: 0 a, 16 b, 32 port_a, 34 port_b, 36 zone, 38 proto, 39 family.
// Unused bytes (IPv4 address tails, ports of portless protocols) are zero, so
// equality and hashing are plain byte operations.
struct FlowKey {
  IpAddr a;
  IpAddr b;
  be16 port_a;
  be16 port_b;
  uint16_t zone;     // the ENI index
  uint8_t proto;     // IP protocol number
  uint8_t family;    // 4 or 6

  // Five 8-byte compares, branch-free (memcmp of 40 bytes is a libc call).
  bool operator==(const FlowKey& o) const {
    uint64_t x[5], y[5];
    std::memcpy(x, this, sizeof x);
    std::memcpy(y, &o, sizeof y);
    return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) | (x[4] ^ y[4])) == 0;
  }
};
static_assert(sizeof(FlowKey) == 40);
static_assert(offsetof(FlowKey, zone) == 36 && offsetof(FlowKey, family) == 39);

enum class KeyStatus : uint8_t {
  kOk = 0,         // key and side are valid
  kIcmpError,      // an ICMP/ICMPv6 error: look up related_key() instead
  kNoPorts,        // TCP/UDP/echo without its L4 header (a non-first fragment)
  kNotIp,          // ARP or anything else
};

struct KeyResult {
  FlowKey key;
  Side src_side;   // which canonical side sent this packet
  KeyStatus status;
};

// Builds the key from explicit fields (also used for the quoted packet of an
// ICMP error). `echo` orders by address only and keeps `sport` as the id.
KeyResult make_key(uint16_t zone, uint8_t family, uint8_t proto, const IpAddr& src, const IpAddr& dst,
                   be16 sport, be16 dport, bool echo);

// The key of a parsed packet. Portless protocols (and ICMP messages that are
// neither echo nor error) key on addresses and protocol with ports 0.
KeyResult flow_key_of(const PacketMeta& meta, uint16_t zone);

// True for the ICMP/ICMPv6 error types that quote the offending packet:
// v4 destination unreachable (incl. fragmentation needed), time exceeded,
// parameter problem; v6 destination unreachable, packet too big, time
// exceeded, parameter problem.
bool is_icmp_error(uint8_t family, uint8_t type);
bool is_icmp_echo(uint8_t family, uint8_t type);

// Hash of the canonical key: symmetric because the key is. 64 bits: the table
// uses the low bits, owner_worker() the high 32, so the two are independent.
inline uint64_t flow_hash(const FlowKey& k) {
  uint64_t w[5];
  std::memcpy(w, &k, sizeof(w));
  uint64_t h = 0x243f6a8885a308d3ull;
  for (uint64_t x : w) {
    h ^= x;
    h *= 0x9e3779b97f4a7c15ull;
    h ^= h >> 29;
  }
  // murmur3 finaliser: every input bit reaches every output bit.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

// The worker (0..workers-1, workers >= 1) that owns a connection, uniform by the high
// half of the hash (multiply-shift, no division).
inline uint32_t owner_worker(uint64_t hash, uint32_t workers) {
  return static_cast<uint32_t>(((hash >> 32) * workers) >> 32);
}

// The hash that picks a packet's owner worker in the pipeline: of the two
// addresses only, symmetric (a sum of per-address mixes), without zone,
// ports or protocol. Why not flow_hash: one packet between two local ENIs is
// tracked in two zones, a non-first fragment has no ports, and an ICMP
// error quotes the flow under another protocol; all of them must reach the
// worker that owns the connection, and only the addresses are common to all.
inline uint64_t address_pair_hash(const IpAddr& x, const IpAddr& y) {
  auto mix = [](const IpAddr& a) {
    uint64_t w[2];
    std::memcpy(w, &a, sizeof w);
    uint64_t h = (w[0] ^ 0x243f6a8885a308d3ull) * 0x9e3779b97f4a7c15ull;
    h = (h ^ (h >> 29) ^ w[1]) * 0xff51afd7ed558ccdull;
    return h ^ (h >> 33);
  };
  return mix(x) + mix(y);
}

}  // namespace vfpath::ct
