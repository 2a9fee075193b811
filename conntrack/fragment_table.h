// Fragments never bypass policy: a non-first fragment carries no ports, so it
// cannot be classified or tracked itself; it follows what was decided for the
// first fragment of its datagram. The first fragment's outcome (allowed, or
// the reason it was dropped) is recorded under (zone, family, addresses,
// protocol, IP id) for `timeout` (30 s, as Linux's ipfrag_time); a later
// fragment finds it or is an orphan. A fragment that starts inside the first
// fragment's transport header would rewrite ports or TCP flags the decision
// was made on (RFC 1858 / RFC 3128 overlap attack): dropped as an overlap.
//
// Out-of-order delivery (a non-first fragment before the first) makes the
// early fragment an orphan: we do not buffer, so the sender's retransmission
// recovers (TCP) or the datagram is lost (UDP), as on a reassembling firewall
// whose queue timed out. Counted, never silent.
//
// Bounded: 4-way set-associative, sets fixed at creation; a full set evicts
// its entry closest to expiry (a datagram whose first fragment is evicted
// loses its later fragments as orphans, counted). One writer (the worker
// that owns the flows, since all fragments of a datagram hash to the owner
// of its addresses). Allocation-free after creation, never throws.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>

#include "packet/addr.h"
#include "packet/drop_reason.h"
#include "packet/packet_meta.h"

namespace vfpath::ct {

struct FragmentKey {
  IpAddr src;
  IpAddr dst;
  uint32_t id;
  uint16_t zone;
  uint8_t proto;
  uint8_t family;
  uint64_t pad = 0;

  bool operator==(const FragmentKey& o) const {
    uint64_t x[6], y[6];
    std::memcpy(x, this, sizeof x);
    std::memcpy(y, &o, sizeof y);
    return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) | (x[4] ^ y[4]) | (x[5] ^ y[5])) == 0;
  }
};
static_assert(sizeof(FragmentKey) == 48);

// The key of a fragment (first or not) of a parsed packet.
FragmentKey fragment_key_of(const PacketMeta& m, uint16_t zone);

class FragmentTable final {
 public:
  static constexpr uint32_t kWays = 4;
  // `sets` is rounded up to a power of two. nullptr on bad arguments.
  static std::unique_ptr<FragmentTable> create(uint32_t sets, uint64_t ticks_per_second, uint32_t timeout_s = 30);

  // The first fragment's outcome (DropReason::kNone: allowed) and where its
  // transport header ends, in bytes from the start of the IP payload.
  void record(const FragmentKey& k, DropReason outcome, uint16_t l4_header_end, uint64_t now);

  // What a non-first fragment at byte `offset` of the payload gets: the
  // first fragment's outcome, kFragmentOrphan, or kFragmentOverlap.
  DropReason verdict(const FragmentKey& k, uint16_t offset, uint64_t now) const;

  uint32_t capacity() const { return (mask_ + 1) * kWays; }

 private:
  struct alignas(64) Slot {
    FragmentKey key;
    uint64_t deadline;     // 0: empty
    DropReason outcome;
    uint8_t reserved;
    uint16_t l4_end;
    uint32_t reserved2;
  };
  static_assert(sizeof(Slot) == 64);

  FragmentTable() = default;
  static uint64_t hash(const FragmentKey& k);

  std::unique_ptr<Slot[]> slots_;
  uint32_t mask_ = 0;  // sets - 1
  uint64_t timeout_ticks_ = 0;
};

}  // namespace vfpath::ct
