// TCP stream inspection for one direction of a connection: which bytes of a
// segment are new, what window of the stream to scan, and the inline
// normalisation that keeps segmentation from evading a drop rule. Pure
// logic, no allocation; the pipeline stage owns a StreamDir per direction
// (dataplane/ids_streams.h) and scans what accept_segment() plans.
//
// Design (ids/README.md "TCP"): block scans over the in-order stream, each
// window = the last bytes already inspected (up to the kStreamCarry the
// carry holds; as many as the rule set's longest bounded match needs)
// followed by the segment's new bytes, so a signature of up to that + 1
// bytes split across any number of segments is seen whole in one window. Bytes
// are taken only in sequence order:
//  * in order (seq == next): scanned with the carry before them;
//  * ahead of a hole (seq > next): PREVENT drops the segment (kGap; the
//    sender retransmits it once the hole is filled, in order), DETECT scans
//    it alone and resynchronises after it (counted as a gap);
//  * starting before next (a retransmission, possibly overlapping new bytes):
//    the bytes already inspected are compared with the carry; different bytes
//    are an overlap attack: PREVENT drops the segment (kOverlapMismatch),
//    DETECT scans it alone. Bytes older than the carry cannot be compared:
//    the segment is also scanned alone (counted unverified). Its new bytes,
//    if any, are taken in order as above.
//  * the SYN sets the base once; data on a SYN or RST is scanned alone and
//    never taken into the stream (a receiver does not deliver it), nor are
//    bytes claimed before the stream's first byte (PREVENT drops them).
// Segments the receiver would discard for another reason (a bad checksum)
// must not reach accept_segment: the stage scans them alone.
// A direction inspects its first kStreamDepth bytes (Suricata's default
// stream.reassembly.depth, 1 MiB); bytes beyond are counted, not scanned.
#pragma once

#include <cstdint>

#include "ids/matcher.h"

namespace vfpath::ids {

inline constexpr uint32_t kStreamCarry = 256;
inline constexpr uint32_t kStreamDepth = 1u << 20;
// The scan window's largest size: the carry and the largest TCP payload.
inline constexpr uint32_t kStreamWindowBytes = kStreamCarry + 65535;

namespace stream_flag {
inline constexpr uint8_t kHasBase = 0x01;    // next_seq is known (a SYN or the first data seen)
inline constexpr uint8_t kMidStream = 0x02;  // the stream's first byte was never seen (pickup, DETECT resync)
}  // namespace stream_flag

// One direction's inspection state: 268 bytes.
struct StreamDir {
  uint32_t next_seq = 0;   // the next byte expected in sequence
  uint32_t inspected = 0;  // bytes taken in order since the base, saturating at kStreamDepth
  uint16_t carry_len = 0;
  uint8_t flags = 0;       // stream_flag
  uint8_t carry_head = 0;  // the carry is a ring: the next byte goes here
  uint8_t carry[kStreamCarry];  // the last carry_len bytes taken, ending before carry_head
};
static_assert(sizeof(StreamDir) == 12 + kStreamCarry);

// What to do with one segment.
struct SegmentPlan {
  enum class Drop : uint8_t { kNone, kGap, kOverlapMismatch } drop = Drop::kNone;  // PREVENT only
  // Scan window[0, window_len): the carry then the new bytes (0: nothing new).
  uint32_t window_len = 0;
  bool window_starts_stream = false;  // window[0] is the stream's first byte
  // Scan the segment's own payload as a block as well (unverifiable bytes).
  bool scan_alone = false;
  uint32_t new_bytes = 0;          // bytes taken in order (scanned or beyond the depth)
  uint32_t uninspected_bytes = 0;  // taken but beyond kStreamDepth: not scanned
  bool gap = false;                // a hole was skipped (DETECT) or refused (PREVENT)
  bool overlap_mismatch = false;   // retransmitted bytes differ from those inspected
  bool unverified = false;         // retransmitted bytes older than the carry
};

// Takes segment (seq, flags, payload[0, len)) into `d`; when the plan has a
// window, it is written to `window` (kStreamWindowBytes of room): the last
// `carry_limit` (<= kStreamCarry) bytes before the new ones, then those
// (Database::stream_carry(): what the rule set's longest match needs; the
// carry itself always keeps kStreamCarry bytes, for comparing
// retransmissions). A dropped segment (plan.drop != kNone) changes nothing
// in `d`. Never fails.
SegmentPlan accept_segment(StreamDir& d, uint32_t seq, uint8_t tcp_flags, const uint8_t* payload, uint32_t len,
                           Mode mode, uint8_t* window, uint32_t carry_limit = kStreamCarry) noexcept;

}  // namespace vfpath::ids
