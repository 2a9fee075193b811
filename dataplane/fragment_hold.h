// Fragments that arrive before their first fragment (senders and multipath
// networks reorder them; Linux has sent the last fragment first). Such a
// fragment cannot be judged yet — only the first fragment carries the ports —
// so the worker keeps it here, exactly as the pipeline left it at the
// conntrack stage (frame, parse, verdict, route), and resumes it when the
// first fragment of its datagram has been decided: it then follows that
// decision like an in-order fragment, and leaves with its original size.
// Nothing is reassembled: a fragment is judged on its datagram's first
// fragment, never on its own bytes, so no fragment bypasses policy.
//
// Bounded: `capacity` fragments per worker, `per_eni` of them charged to one
// ENI (the sender, or for overlay ingress the receiver), so one VM's orphans
// cannot take the others' room; a fragment past either bound is dropped
// (`fragment_hold_full`). A fragment overlapping one already held of its
// datagram is dropped (`fragment_overlap`): the bytes a receiver reassembles
// must be the bytes that were let through. A fragment not resumed within
// `timeout` is dropped (`fragment_timeout`). A fragment held under another
// snapshot generation is dropped when resumed (`fragment_orphan`): its
// verdict's ENI indexes belong to the old one.
//
// One owner (the worker); allocation-free after construction, never throws.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>
#include <memory>

#include "conntrack/fragment_table.h"
#include "dataplane/burst.h"
#include "dataplane/snapshot.h"

namespace vfpath {

// A worker's hold: the mbuf pool has room for it (daemon/startup.cc).
inline constexpr uint32_t kHoldCapacity = 256;
inline constexpr uint32_t kHoldPerEni = 64;
inline constexpr uint32_t kHoldTimeoutSeconds = 30;  // as the first-fragment records (Linux ipfrag_time)
// A short first fragment's header is judged from the held bytes [0, this):
// the longest TCP header.
inline constexpr uint16_t kMaxTcpHeaderBytes = 60;

// What the pipeline left of a fragment it held, and the hold's bookkeeping:
// 256 bytes (bench/README.md), beside the mbuf it keeps.
struct alignas(64) HeldFragment {
  PacketMeta meta;
  rte_mbuf* mbuf = nullptr;
  Frame frame;
  Verdict verdict;
  encap::Mapping peer;        // RouteResults::peer of an overlay-bound fragment
  uint16_t peer_subnet = kNoSubnet;
  uint16_t in_port = 0;
  uint32_t rx_length = 0;     // as received, for the counters when it is decided
  uint32_t eni_slot = 0;      // the counter slot its per-ENI bound is charged to
  uint16_t begin = 0, end = 0;  // the payload bytes [begin, end) it carries
  uint64_t generation = 0;
  uint64_t deadline = 0;
  bool judged_whole = false;  // a piece of a short first fragment's header, judged (mark_judged)
  ct::FragmentKey datagram{};  // zone 0: one datagram whatever the zones
};

static_assert(sizeof(HeldFragment) == 256);

// The datagram a fragment belongs to, in every zone.
inline ct::FragmentKey datagram_of(const PacketMeta& m) { return ct::fragment_key_of(m, 0); }

class FragmentHold {
 public:
  enum class Kept : uint8_t { kKept, kFull, kOverlap };

  FragmentHold(uint32_t capacity, uint32_t per_eni, uint64_t timeout_ticks);

  // Keeps `f` (f.deadline is set from `now`). kFull / kOverlap: not kept,
  // the caller drops it.
  Kept keep(const HeldFragment& f, uint64_t now);
  // Moves the held fragments of `datagram` to out[0, n) (at most `max`),
  // returns n.
  uint32_t take(const ct::FragmentKey& datagram, HeldFragment* out, uint32_t max);
  // Moves those whose deadline has passed (at most `max`); cheap when none has.
  uint32_t take_expired(uint64_t now, HeldFragment* out, uint32_t max);
  // Moves any (at most `max`): for shutdown.
  uint32_t take_any(HeldFragment* out, uint32_t max);
  // The held fragments of `datagram`, read-only, in no order (at most `max`).
  uint32_t pieces(const ct::FragmentKey& datagram, const HeldFragment** out, uint32_t max) const;
  // Marks every held fragment of `datagram` as judged whole.
  void mark_judged(const ct::FragmentKey& datagram);

  uint32_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  void release(uint32_t i, HeldFragment& out);

  std::unique_ptr<HeldFragment[]> slots_;  // [0, size_) held, in no order
  std::unique_ptr<uint16_t[]> per_eni_count_;  // by counter slot, kMaxEnis
  uint32_t capacity_;
  uint32_t per_eni_;
  uint32_t size_ = 0;
  uint64_t timeout_ticks_;
  uint64_t next_deadline_ = ~0ull;  // the earliest deadline held, ~0 when none
};

}  // namespace vfpath
