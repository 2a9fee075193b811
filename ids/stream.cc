#include "ids/stream.h"

#include <algorithm>
#include <cstring>

namespace vfpath::ids {
namespace {

constexpr uint8_t kTcpSyn = 0x02, kTcpRst = 0x04;

// Beyond the depth nothing is scanned or compared (the carry no longer
// follows the stream): bytes are only counted, the sequence followed.
SegmentPlan past_depth(StreamDir& d, uint32_t seq, uint32_t len) {
  SegmentPlan p;
  const int32_t rel = static_cast<int32_t>(seq - d.next_seq);
  if (rel >= 0) {
    p.new_bytes = len;
    d.next_seq = seq + len;
  } else if (static_cast<uint32_t>(-static_cast<int64_t>(rel)) < len) {
    p.new_bytes = len - static_cast<uint32_t>(-static_cast<int64_t>(rel));
    d.next_seq = seq + len;
  }
  p.uninspected_bytes = p.new_bytes;
  return p;
}

// The carry is a ring: `head` is where the next byte goes, the newest
// carry_len bytes end just before it (uint8_t wraps at kStreamCarry = 256).
static_assert(kStreamCarry == 256, "the ring's head is a uint8_t");

// Copies the carry's bytes [from, from + n) (0 = the oldest kept) to `out`.
void carry_copy(const StreamDir& d, uint32_t from, uint32_t n, uint8_t* out) {
  const uint32_t start = (d.carry_head + kStreamCarry - d.carry_len + from) % kStreamCarry;
  const uint32_t first = std::min(n, kStreamCarry - start);
  std::memcpy(out, d.carry + start, first);
  std::memcpy(out + first, d.carry, n - first);
}

bool carry_equals(const StreamDir& d, uint32_t from, const uint8_t* bytes, uint32_t n) {
  const uint32_t start = (d.carry_head + kStreamCarry - d.carry_len + from) % kStreamCarry;
  const uint32_t first = std::min(n, kStreamCarry - start);
  return std::memcmp(bytes, d.carry + start, first) == 0 && std::memcmp(bytes + first, d.carry, n - first) == 0;
}

void carry_append(StreamDir& d, const uint8_t* bytes, uint32_t n) {
  if (n >= kStreamCarry) {
    std::memcpy(d.carry, bytes + n - kStreamCarry, kStreamCarry);
    d.carry_head = 0;
    d.carry_len = static_cast<uint16_t>(kStreamCarry);
    return;
  }
  const uint32_t first = std::min(n, kStreamCarry - d.carry_head);
  std::memcpy(d.carry + d.carry_head, bytes, first);
  std::memcpy(d.carry, bytes + first, n - first);
  d.carry_head = static_cast<uint8_t>(d.carry_head + n);
  d.carry_len = static_cast<uint16_t>(std::min<uint32_t>(kStreamCarry, d.carry_len + n));
}

}  // namespace

SegmentPlan accept_segment(StreamDir& d, uint32_t seq, uint8_t tcp_flags, const uint8_t* payload, uint32_t len,
                           Mode mode, uint8_t* window, uint32_t carry_limit) noexcept {
  carry_limit = std::min(carry_limit, kStreamCarry);
  SegmentPlan p;
  if (tcp_flags & kTcpSyn) {
    // The SYN sets the base once: a later SYN (another ISN on a live
    // connection) must not move it, or every real byte would look old. A
    // new connection on the same ports is a new StreamDir (the stage resets
    // it when conntrack sees the connection begin again).
    if (!(d.flags & stream_flag::kHasBase)) {
      d.next_seq = seq + 1;
      d.flags = stream_flag::kHasBase;
      d.carry_len = 0;
    }
  }
  if (len == 0) return p;
  if (tcp_flags & (kTcpSyn | kTcpRst)) {
    // Data on a SYN (kept only with a TFO cookie) or a RST (never delivered
    // as stream data): scanned as it is, never taken into the stream, where
    // it could stand in for the bytes a receiver really takes.
    p.scan_alone = true;
    return p;
  }
  if (!(d.flags & stream_flag::kHasBase)) {  // picked up mid-stream: its start is unknown
    d.next_seq = seq;
    d.flags |= stream_flag::kHasBase | stream_flag::kMidStream;
  }
  if (d.inspected >= kStreamDepth) return past_depth(d, seq, len);

  const uint8_t* fresh = payload;
  uint32_t fresh_len = len;
  const int32_t rel = static_cast<int32_t>(seq - d.next_seq);
  if (rel > 0) {
    p.gap = true;
    if (mode == Mode::Prevent) {
      p.drop = SegmentPlan::Drop::kGap;
      return p;
    }
    // DETECT cannot hold it: resynchronise on it, without the context before.
    d.next_seq = seq;
    d.carry_len = 0;
    d.flags |= stream_flag::kMidStream;
  } else if (rel < 0) {
    const uint32_t behind = static_cast<uint32_t>(-static_cast<int64_t>(rel));
    if (behind > d.inspected && !(d.flags & stream_flag::kMidStream)) {
      // Bytes before the stream's first byte: no receiver takes them.
      p.overlap_mismatch = true;
      if (mode == Mode::Prevent) {
        p.drop = SegmentPlan::Drop::kOverlapMismatch;
        return p;
      }
      p.scan_alone = true;
      return p;
    }
    const uint32_t old = std::min(len, behind);
    // payload[0, old) re-sends stream bytes [next - behind, next - behind + old);
    // the carry holds [next - carry_len, next), so payload[first_kept, old) is in it.
    const uint32_t first_kept = behind > d.carry_len ? behind - d.carry_len : 0;
    if (first_kept < old) {
      if (!carry_equals(d, d.carry_len - (behind - first_kept), payload + first_kept, old - first_kept)) {
        p.overlap_mismatch = true;
        if (mode == Mode::Prevent) {
          p.drop = SegmentPlan::Drop::kOverlapMismatch;
          return p;
        }
        p.scan_alone = true;
      }
    }
    if (first_kept > 0) {
      p.unverified = true;
      p.scan_alone = true;
    }
    fresh += old;
    fresh_len -= old;
    if (fresh_len == 0) return p;
  }

  d.next_seq += fresh_len;
  p.new_bytes = fresh_len;
  const uint32_t take = std::min(fresh_len, kStreamDepth - d.inspected);
  p.uninspected_bytes = fresh_len - take;
  // The window: the newest `use` bytes of the carry, then the new ones.
  const uint32_t use = std::min<uint32_t>(d.carry_len, carry_limit);
  carry_copy(d, d.carry_len - use, use, window);
  std::memcpy(window + use, fresh, take);
  p.window_len = use + take;
  p.window_starts_stream = !(d.flags & stream_flag::kMidStream) && d.inspected == use;
  d.inspected += take;
  // The carry keeps kStreamCarry bytes whatever the limit: retransmissions
  // are compared against all of them.
  carry_append(d, fresh, take);
  return p;
}

}  // namespace vfpath::ids
