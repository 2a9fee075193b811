// VNI -> VPC index, read lock-free by workers, written by one control thread.
//
// Each slot is one 64-bit atomic word (used:1 tombstone:1 vni:24 vpc:16), so a
// reader sees a whole entry or none: no seqlock, no deferred free. Linear
// probing over a fixed power-of-two array sized at construction, at most half
// full. Tombstones are reused by later inserts (VNIs change rarely: a VPC's
// creation or deletion).
//
// Thread-safety: find() from any number of threads concurrently with one
// writer calling add()/remove(); writers must be serialised by the caller.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdint>
#include <memory>

#include "encap/wire.h"

namespace vfpath::encap {

class VniMap {
 public:
  // Room for `max_vnis` VNIs (the slot array is twice that, a power of two).
  explicit VniMap(uint32_t max_vnis = 4096)
      : mask_(std::bit_ceil(std::max<uint32_t>(8, max_vnis * 2)) - 1),
        limit_(max_vnis),
        slots_(new std::atomic<uint64_t>[mask_ + 1]) {
    for (uint32_t i = 0; i <= mask_; ++i) slots_[i].store(0, std::memory_order_relaxed);
  }

  // The VPC index of `vni`; false when the VNI is unknown. Wait-free for the
  // reader except for probing.
  bool find(uint32_t vni, uint16_t& vpc) const {
    for (uint32_t i = home(vni), n = 0; n <= mask_; ++n, i = (i + 1) & mask_) {
      // Acquire pairs with the writer's release: the word is the whole entry,
      // so relaxed would do for the value; acquire keeps the intent explicit
      // and costs nothing on x86.
      uint64_t w = slots_[i].load(std::memory_order_acquire);
      if (w == 0) return false;
      if ((w & kUsed) && vni_of(w) == vni) {
        vpc = static_cast<uint16_t>(w);
        return true;
      }
    }
    return false;
  }

  // Adds or changes the VPC of `vni`. False when the VNI is over 24 bits or
  // the map is full. Writer only.
  bool add(uint32_t vni, uint16_t vpc) {
    if (vni > wire::kVniMax) return false;
    uint64_t entry = kUsed | uint64_t{vni} << 16 | vpc;
    uint32_t free_slot = kNone;
    uint32_t i = home(vni);
    for (uint32_t n = 0; n <= mask_; ++n, i = (i + 1) & mask_) {
      uint64_t w = slots_[i].load(std::memory_order_relaxed);
      if (w == 0) break;
      if (w == kTombstone && free_slot == kNone) free_slot = i;
      if ((w & kUsed) && vni_of(w) == vni) {
        slots_[i].store(entry, std::memory_order_release);
        return true;
      }
    }
    if (size_ >= limit_) return false;
    // size_ < limit_ <= half the slots: the probe met an empty slot or a tombstone.
    if (free_slot == kNone) free_slot = i;
    slots_[free_slot].store(entry, std::memory_order_release);
    ++size_;
    return true;
  }

  // Removes `vni`; false when it was not there. Writer only. A reader racing
  // with the removal sees the old VPC or "unknown", never another VNI's VPC.
  bool remove(uint32_t vni) {
    for (uint32_t i = home(vni), n = 0; n <= mask_; ++n, i = (i + 1) & mask_) {
      uint64_t w = slots_[i].load(std::memory_order_relaxed);
      if (w == 0) return false;
      if ((w & kUsed) && vni_of(w) == vni) {
        slots_[i].store(kTombstone, std::memory_order_release);
        --size_;
        return true;
      }
    }
    return false;
  }

 private:
  static constexpr uint64_t kUsed = 1ull << 63;
  static constexpr uint64_t kTombstone = 1ull << 62;
  static constexpr uint32_t kNone = ~0u;
  static uint32_t vni_of(uint64_t w) { return static_cast<uint32_t>(w >> 16) & wire::kVniMax; }
  uint32_t home(uint32_t vni) const { return (vni * 0x9e3779b1u) >> 8 & mask_; }

  uint32_t mask_;
  uint32_t limit_;
  uint32_t size_ = 0;  // entries; writer only
  std::unique_ptr<std::atomic<uint64_t>[]> slots_;
};

}  // namespace vfpath::encap
