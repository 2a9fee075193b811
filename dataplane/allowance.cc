#include "dataplane/allowance.h"

#include <algorithm>

#include "dataplane/snapshot.h"

namespace vfpath {

static_assert(kAllowanceSlots == kMaxEnis);

namespace {

constexpr uint64_t pack(uint32_t stamp_us, int64_t tokens) {
  return uint64_t{stamp_us} << 32 | static_cast<uint32_t>(static_cast<int32_t>(tokens));
}

// The state refilled to now_us: (tokens, stamp). Whole tokens only; the
// stamp moves by the time those tokens took, so no fraction is lost.
// `refilled_s`: the second of the last refill (the stamp's, within one).
void refill(uint64_t s, const BucketConfig& c, uint64_t now_us, uint32_t refilled_s, int64_t& tokens,
            uint32_t& stamp) {
  tokens = static_cast<int32_t>(static_cast<uint32_t>(s));
  stamp = static_cast<uint32_t>(s >> 32);
  const auto now32 = static_cast<uint32_t>(now_us);
  const uint32_t idle_s = static_cast<uint32_t>(now_us / 1000000) - refilled_s;
  if (idle_s > SharedBucket::kLongIdleS && idle_s < 0x80000000u) {
    // Long idle: the stamp may have wrapped any number of times. The
    // seconds are exact to one, so credit the whole seconds surely passed.
    const uint64_t add = uint64_t{idle_s - 1} * c.rate;
    tokens = std::min<int64_t>(c.burst, tokens + static_cast<int64_t>(std::min<uint64_t>(add, c.burst)));
    stamp = now32;
    return;
  }
  // Under kLongIdleS (+1) the 32-bit difference is the true one; negative:
  // another worker's clock, a little behind (no refill).
  const int32_t elapsed = static_cast<int32_t>(now32 - stamp);
  if (elapsed <= 0) return;
  const uint64_t add = static_cast<uint64_t>(elapsed) * c.rate / 1000000;
  if (add == 0) return;
  if (tokens + static_cast<int64_t>(add) >= c.burst) {
    tokens = c.burst;
    stamp = now32;
  } else {
    tokens += static_cast<int64_t>(add);
    stamp += static_cast<uint32_t>(add * 1000000 / c.rate);
  }
}

}  // namespace

bool SharedBucket::take(uint32_t n, const BucketConfig& c, uint64_t now_us) {
  if (c.rate == 0) return true;
  uint64_t s = state_.load(std::memory_order_acquire);
  for (;;) {
    int64_t tokens;
    uint32_t stamp;
    if (s == kUnstarted) {  // a new bucket starts full
      tokens = c.burst;
      stamp = static_cast<uint32_t>(now_us);
    } else {
      refill(s, c, now_us, refilled_s_.load(std::memory_order_relaxed), tokens, stamp);
    }
    if (tokens < n) return false;
    if (state_.compare_exchange_weak(s, pack(stamp, tokens - n), std::memory_order_acq_rel)) {
      const auto now_s = static_cast<uint32_t>(now_us / 1000000);
      if (refilled_s_.load(std::memory_order_relaxed) != now_s) refilled_s_.store(now_s, std::memory_order_relaxed);
      return true;
    }
  }
}

int64_t SharedBucket::tokens(const BucketConfig& c, uint64_t now_us) const {
  const uint64_t s = state_.load(std::memory_order_acquire);
  if (s == kUnstarted) return c.burst;
  int64_t tokens;
  uint32_t stamp;
  refill(s, c, now_us, refilled_s_.load(std::memory_order_relaxed), tokens, stamp);
  return tokens;
}

bool spend(AllowanceState& a, uint32_t slot, Allowance kind, uint32_t n, const BucketConfig& c, uint64_t now_us) {
  if (c.rate == 0) return true;
  const auto k = static_cast<uint32_t>(kind);
  int32_t& local = a.cache->tokens[slot][k];  // never negative
  if (local >= static_cast<int32_t>(n)) {
    local -= static_cast<int32_t>(n);
    return true;
  }
  const uint32_t need = n - static_cast<uint32_t>(local);
  const uint32_t cap = kind == Allowance::kBwIn || kind == Allowance::kBwOut ? kMaxByteChunk : kMaxChunk;
  // About a millisecond's worth, never more than the cap or a tenth of the burst.
  const uint32_t chunk = std::max(need, std::min({cap, std::max(1u, c.rate / 1000), std::max(1u, c.burst / 10)}));
  SharedBucket& b = a.shared[slot].kind[k];
  if (b.take(chunk, c, now_us)) {
    local = static_cast<int32_t>(local + chunk - n);
    return true;
  }
  if (chunk != need && b.take(need, c, now_us)) {
    local = 0;
    return true;
  }
  return false;
}

}  // namespace vfpath
