// Per-ENI allowances (EC2's ENA "allowances"): packets per second both ways,
// bandwidth in and out, and link-local traffic, as token buckets shared by
// every worker. An ENI's allowance is the ENI's, whichever worker its
// packets reach, so the bucket is shared — but a packet never touches it:
// each worker takes tokens in chunks (about a millisecond's worth, at most
// kMaxChunk) into a cache of its own and spends them one packet at a time;
// only a chunk costs a compare-and-swap. What a worker's cache holds when
// the ENI goes quiet is at most one chunk, so the error against an exact
// bucket is bounded by workers x chunk.
//
// A bucket's state is one 64-bit word (tokens : 32, time in µs : 32),
// refilled lazily by whoever takes: tokens += rate x elapsed, capped at the
// burst. Time is the workers' clock (PipelineContext::now, the same TSC on
// every worker) in microseconds. Its low 32 bits wrap every 71.6 minutes,
// so the state alone cannot tell an idle of 5 ms from one of 71.6 min +
// 5 ms; a second word holds the second of the last refill, and a bucket
// idle for longer than kLongIdleS is refilled from that (to the second,
// rounded down). The two words are not written together: a worker that
// reads the new state with the old second credits at most what the taker
// before it took (one chunk), and only after a long idle.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

namespace vfpath {

// Bucket kinds, one of each per ENI.
enum class Allowance : uint8_t { kPps = 0, kBwIn = 1, kBwOut = 2, kLinkLocal = 3, kCount = 4 };
inline constexpr uint32_t kAllowanceKinds = static_cast<uint32_t>(Allowance::kCount);

// EC2 limits link-local traffic (DNS resolver, metadata, time, DHCP) to
// 1024 packets per second per ENI.
inline constexpr uint32_t kLinkLocalPps = 1024;

// One bucket's settings: tokens per second (packets or bytes) and the most
// it may hold. rate 0: unlimited.
struct BucketConfig {
  uint32_t rate = 0;
  uint32_t burst = 0;
};

// An ENI's configured allowances (enis[].limits); rate 0: unlimited.
struct EniAllowances {
  BucketConfig pps;     // packets, both directions together
  BucketConfig bw_in;   // bytes to the VM
  BucketConfig bw_out;  // bytes from the VM
  bool any() const { return pps.rate || bw_in.rate || bw_out.rate; }
};

class SharedBucket {
 public:
  // Takes `n` tokens if the bucket (refilled to `now_us`) holds them. Any
  // thread; lock-free (a CAS loop on one word).
  bool take(uint32_t n, const BucketConfig& c, uint64_t now_us);
  // Tokens held now (tests, stats), after a refill to `now_us`.
  int64_t tokens(const BucketConfig& c, uint64_t now_us) const;

  // Idle longer than this (in seconds), the 32-bit µs stamp may have
  // wrapped (it is ambiguous past 2^31 µs, 35.8 min).
  static constexpr uint32_t kLongIdleS = 2000;

 private:
  // tokens (low 32 bits, as int32) | time of the last refill in µs (high
  // 32); kUnstarted until the first take, which starts it full (in its CAS).
  static constexpr uint64_t kUnstarted = 0x80000000u;  // tokens INT32_MIN: never a real state
  std::atomic<uint64_t> state_{kUnstarted};
  std::atomic<uint32_t> refilled_s_{0};  // now_us / 10^6 at the last change of state_
};

// Shared by all workers: a bucket of each kind per ENI counter slot (slots
// are stable across pushes, so an ENI keeps its tokens).
struct alignas(64) EniBuckets {
  SharedBucket kind[kAllowanceKinds];
};

// ENI counter slots (= kMaxEnis, checked in allowance.cc; this header sits
// below snapshot.h).
inline constexpr uint32_t kAllowanceSlots = 1024;

// A worker's cached tokens, per slot and kind.
struct AllowanceCache {
  int32_t tokens[kAllowanceSlots][kAllowanceKinds] = {};
};

// What a pipeline caller brings: the shared buckets (kAllowanceSlots) and its cache.
struct AllowanceState {
  EniBuckets* shared = nullptr;
  AllowanceCache* cache = nullptr;
};

inline constexpr uint32_t kMaxChunk = 64;              // packets per take
inline constexpr uint32_t kMaxByteChunk = 64 * 1024;  // bytes per take

// Spends `n` tokens of `kind` for ENI slot `slot`, refilling the cache from
// the shared bucket as needed. False: over the allowance.
bool spend(AllowanceState& a, uint32_t slot, Allowance kind, uint32_t n, const BucketConfig& c, uint64_t now_us);

}  // namespace vfpath
