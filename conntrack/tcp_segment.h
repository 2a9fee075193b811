// What the TCP tracker needs from a segment, read once from the frame. The
// parser vouched for a complete TCP header at meta.l4_offset; this reads the
// options it did not (window scale, SACK permitted), bounded by the header
// length and the readable bytes.
#pragma once

#include <cstdint>

#include "packet/packet_meta.h"

namespace vfpath::ct {

namespace tcp_flag {
inline constexpr uint8_t kFin = 0x01;
inline constexpr uint8_t kSyn = 0x02;
inline constexpr uint8_t kRst = 0x04;
inline constexpr uint8_t kPsh = 0x08;
inline constexpr uint8_t kAck = 0x10;
inline constexpr uint8_t kUrg = 0x20;
inline constexpr uint8_t kEce = 0x40;
inline constexpr uint8_t kCwr = 0x80;
}  // namespace tcp_flag

inline constexpr int8_t kNoWindowScale = -1;

struct TcpSegment {
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint16_t window = 0;        // as on the wire (unscaled)
  uint16_t payload_len = 0;
  uint8_t flags = 0;          // tcp_flag
  int8_t wscale = kNoWindowScale;  // window scale option (SYN only), as sent (clamped later)
  bool sack_perm = false;

  bool has(uint8_t f) const { return (flags & f) != 0; }
};

// Fills `seg` from the TCP header of a parsed frame. Returns false when the
// header is not readable (no kHasL4, not TCP, or cut): the caller treats that
// as malformed. Options are parsed on SYN segments only (the only place
// RFC 7323 allows window scale); a malformed option list stops the scan
// without failing (as endpoints do). Thread-safe, allocation-free.
bool read_tcp_segment(const uint8_t* frame, uint32_t readable, const PacketMeta& meta, TcpSegment& seg);

}  // namespace vfpath::ct
