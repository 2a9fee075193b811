#include "dataplane/fragment_hold.h"

#include <algorithm>

namespace vfpath {

FragmentHold::FragmentHold(uint32_t capacity, uint32_t per_eni, uint64_t timeout_ticks)
    : slots_(std::make_unique<HeldFragment[]>(capacity)),
      per_eni_count_(std::make_unique<uint16_t[]>(kMaxEnis)),
      capacity_(capacity),
      per_eni_(per_eni),
      timeout_ticks_(timeout_ticks) {}

FragmentHold::Kept FragmentHold::keep(const HeldFragment& f, uint64_t now) {
  if (size_ == capacity_ || f.eni_slot >= kMaxEnis || per_eni_count_[f.eni_slot] >= per_eni_) return Kept::kFull;
  // Linear over what is held (slots [0, size_) are the held ones): only
  // reordered fragments come here, and the hold is small.
  for (uint32_t i = 0; i < size_; ++i) {
    const HeldFragment& h = slots_[i];
    if (h.datagram == f.datagram && f.begin < h.end && h.begin < f.end) return Kept::kOverlap;
  }
  HeldFragment& slot = slots_[size_++];
  slot = f;
  slot.deadline = now + timeout_ticks_;
  next_deadline_ = std::min(next_deadline_, slot.deadline);
  ++per_eni_count_[f.eni_slot];
  return Kept::kKept;
}

// Moves slot i out; the last held one takes its place.
void FragmentHold::release(uint32_t i, HeldFragment& out) {
  out = slots_[i];
  --per_eni_count_[out.eni_slot];
  if (i != --size_) slots_[i] = slots_[size_];
  slots_[size_].mbuf = nullptr;
  if (size_ == 0) next_deadline_ = ~0ull;
}

uint32_t FragmentHold::take(const ct::FragmentKey& datagram, HeldFragment* out, uint32_t max) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < size_ && n < max;) {
    if (slots_[i].datagram == datagram) release(i, out[n++]);  // slot i now holds another: look again
    else ++i;
  }
  return n;
}

uint32_t FragmentHold::take_expired(uint64_t now, HeldFragment* out, uint32_t max) {
  if (now < next_deadline_) return 0;
  uint32_t n = 0;
  uint64_t next = ~0ull;
  for (uint32_t i = 0; i < size_;) {
    if (slots_[i].deadline <= now && n < max) {
      release(i, out[n++]);
      continue;
    }
    next = std::min(next, slots_[i].deadline);
    ++i;
  }
  next_deadline_ = next;
  return n;
}

uint32_t FragmentHold::take_any(HeldFragment* out, uint32_t max) {
  uint32_t n = 0;
  while (size_ > 0 && n < max) release(size_ - 1, out[n++]);
  return n;
}

uint32_t FragmentHold::pieces(const ct::FragmentKey& datagram, const HeldFragment** out, uint32_t max) const {
  uint32_t n = 0;
  for (uint32_t i = 0; i < size_ && n < max; ++i)
    if (slots_[i].datagram == datagram) out[n++] = &slots_[i];
  return n;
}

void FragmentHold::mark_judged(const ct::FragmentKey& datagram) {
  for (uint32_t i = 0; i < size_; ++i)
    if (slots_[i].datagram == datagram) slots_[i].judged_whole = true;
}

}  // namespace vfpath
