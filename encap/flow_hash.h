// The inner-flow hash that picks the outer UDP source port (and the outer IPv6
// flow label), so that underlay ECMP spreads tunnelled flows while every
// packet of one flow takes one path (RFC 7348 §5, RFC 8926 §3.3, RFC 6438).
//
// Contract: a pure function of the inner packet's addresses, protocol and, for
// an unfragmented TCP/UDP/SCTP-like packet, ports. Fragments hash without ports
// so that all fragments of a datagram (only the first carries the ports)
// follow one path. Thread-safe, allocation-free.
#pragma once

#include <cstdint>

#include "packet/packet_meta.h"
#include "encap/wire.h"

namespace vfpath::encap {

inline uint32_t inner_flow_hash(const PacketMeta& m) {
  // Two multiply-xorshift rounds over the 16-byte addresses and the port/proto
  // word: cheap (no table, no CRC instruction required) and every input bit
  // reaches the low 14 bits that become the port.
  constexpr uint64_t k1 = 0x9e3779b97f4a7c15ull, k2 = 0xc2b2ae3d27d4eb4full;
  uint64_t ports = 0;
  if (m.has(meta_flags::kHasL4) && !m.has(meta_flags::kFragment))
    ports = uint64_t{m.src_port.raw()} << 16 | m.dst_port.raw();
  uint64_t h = (m.src.qwords[0] ^ (m.src.qwords[1] * k2)) * k1;
  h ^= (m.dst.qwords[0] + (m.dst.qwords[1] * k1)) * k2;
  h ^= (ports << 8 | m.l4_proto) * k1;
  h ^= h >> 29;
  h *= k2;
  h ^= h >> 32;
  return static_cast<uint32_t>(h);
}

// The outer UDP source port for a flow hash: in 49152..65535 (RFC 6335).
constexpr uint16_t udp_source_port(uint32_t flow_hash) {
  return static_cast<uint16_t>(wire::kUdpDynamicPortBase | (flow_hash & wire::kUdpDynamicPortMask));
}

// The outer IPv6 flow label for a flow hash (20 bits, never 0 per RFC 6437
// §2: 0 means "no label"); uses other bits than the port.
constexpr uint32_t ipv6_flow_label(uint32_t flow_hash) {
  uint32_t label = (flow_hash >> 12) & 0xfffff;
  return label ? label : 1;
}

}  // namespace vfpath::encap
