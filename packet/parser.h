// The one parser: Ethernet, one 802.1Q tag, ARP, IPv4 (options, fragments),
// IPv6 (extension chain, fragment header), TCP, UDP, ICMP, ICMPv6.
//
// Contract: reads only the first `readable` bytes at `frame` (the contiguous
// first segment) and never past them; `frame_len` is the whole frame (all
// segments) and bounds the IP lengths. Returns DropReason::kNone and fills
// `meta` on success; otherwise kMalformed (truncated or inconsistent) or
// kUnsupportedL2 (another ethertype, stacked tags), with `meta` partly filled.
// Thread-safe, allocation-free, never throws.
#pragma once

#include <cstdint>

#include "packet/drop_reason.h"
#include "packet/packet_meta.h"

namespace vfpath {

// More extension headers than this is treated as an attack, not a packet.
inline constexpr int kMaxIpv6ExtensionHeaders = 8;

DropReason parse_frame(const uint8_t* frame, uint32_t readable, uint32_t frame_len, PacketMeta& meta);

inline DropReason parse_frame(const uint8_t* frame, uint32_t len, PacketMeta& meta) {
  return parse_frame(frame, len, len, meta);
}

}  // namespace vfpath
