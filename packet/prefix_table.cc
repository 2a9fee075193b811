#include "packet/prefix_table.h"

#include <bit>

namespace vfpath {

namespace {

constexpr uint32_t kUsed = 1u << 30;
constexpr uint32_t kTombstone = 2u << 30;
constexpr uint32_t kEmpty = 0;
constexpr uint32_t kNone = ~0u;
// Reads of one slot before a lookup gives up on a writer stalled in it:
// ~256 pauses, a few microseconds, 100x the writer's time in a slot.
constexpr uint32_t kMaxAttempts = 256;

// Keeps the first `bits` bits (network order) of a 64-bit word as stored.
inline uint64_t keep_bits(uint64_t raw, unsigned bits) {
  if (bits == 0) return 0;
  if (bits >= 64) return raw;
  uint64_t host = __builtin_bswap64(raw) & (~0ull << (64 - bits));
  return __builtin_bswap64(host);
}


}  // namespace

// One cache line. Offsets: 0 seq, 4 tag, 8 key address, 24 payload. Every
// field is an atomic read relaxed between the two acquire-ordered reads of
// `seq`.
struct alignas(64) PrefixTable::Slot {
  std::atomic<uint32_t> seq{0};  // odd while the writer is changing the slot
  std::atomic<uint32_t> tag{0};  // kEmpty, kTombstone, or Key::tag | kUsed
  std::atomic<uint64_t> a0{0}, a1{0};
  std::atomic<uint64_t> p0{0}, p1{0}, p2{0};
};
static_assert(sizeof(std::atomic<uint64_t>) == 8);

PrefixTable::PrefixTable(uint32_t max_entries, uint16_t max_spaces)
    : mask_(std::bit_ceil(std::max<uint32_t>(16, max_entries * 2)) - 1),
      max_entries_(max_entries),
      max_spaces_(max_spaces),
      slots_(new Slot[mask_ + 1]),
      length_bits_(new std::atomic<uint64_t>[size_t{max_spaces} * 4]),
      length_counts_(size_t{max_spaces} * (33 + 129), 0) {
  static_assert(sizeof(Slot) == 64);
  for (size_t i = 0; i < size_t{max_spaces} * 4; ++i) length_bits_[i].store(0, std::memory_order_relaxed);
}

PrefixTable::~PrefixTable() { delete[] slots_; }

// The helpers below are `inline` so that they are inlined into find() even
// in a -fPIC build, where GCC must otherwise assume an external-linkage
// function may be interposed and keep the call.

inline PrefixTable::Key PrefixTable::make_key(uint16_t space, const PrefixAddr& a, uint8_t prefix_len) {
  Key k;
  k.tag = uint32_t{space} | uint32_t{prefix_len} << 16 | (a.ipv6 ? 1u << 24 : 0);
  k.a0 = keep_bits(a.addr.qwords[0], prefix_len);
  k.a1 = prefix_len > 64 ? keep_bits(a.addr.qwords[1], prefix_len - 64u) : 0;
  return k;
}

inline uint32_t PrefixTable::home(const Key& k) const {
  // Multiplicative (Fibonacci) hashing: one multiply of the folded key, the
  // well-mixed high half taken as the index. Short dependency chain: the
  // slot load it feeds is the lookup's real cost.
  uint64_t x = (k.a0 ^ (k.a1 * 0xc2b2ae3d27d4eb4full)) + (uint64_t{k.tag} << 40 | k.tag);
  return static_cast<uint32_t>((x * 0x9e3779b97f4a7c15ull) >> 32) & mask_;
}

inline std::atomic<uint64_t>* PrefixTable::lengths(uint16_t space, bool ipv6) const {
  return &length_bits_[size_t{space} * 4 + (ipv6 ? 1 : 0)];
}

uint32_t& PrefixTable::length_count(uint16_t space, bool ipv6, uint8_t prefix_len) {
  return length_counts_[size_t{space} * (33 + 129) + (ipv6 ? 33u : 0u) + prefix_len];
}

inline bool PrefixTable::probe(const Key& k, PrefixPayload& out) const {
  const uint32_t want = k.tag | kUsed;
  uint32_t i = home(k);
  for (uint32_t n = 0; n <= mask_; ++n, i = (i + 1) & mask_) {
    const Slot& s = slots_[i];
    uint32_t tag;
    uint64_t a0 = 0, a1 = 0, p0 = 0, p1 = 0, p2 = 0;
    for (uint32_t attempt = 0;; ++attempt) {
      // A writer is inside this slot for ~10 ns; one that stays longer was
      // preempted there. Do not wait for it (lookups finish in bounded
      // steps): pass over the slot as if it held another key. If it held
      // ours, the lookup misses and the caller drops one packet; if it was
      // empty, probing on is harmless (no key of this chain lies beyond).
      if (attempt == kMaxAttempts) [[unlikely]] {
        tag = kTombstone;
        break;
      }
      // Acquire: the field loads below cannot move above this load, so they
      // see at least the stores of the writer's last completed update.
      uint32_t seq = s.seq.load(std::memory_order_acquire);
      if (seq & 1) [[unlikely]] {
        __builtin_ia32_pause();
        continue;
      }
      tag = s.tag.load(std::memory_order_relaxed);
      a0 = s.a0.load(std::memory_order_relaxed);
      a1 = s.a1.load(std::memory_order_relaxed);
      p0 = s.p0.load(std::memory_order_relaxed);
      p1 = s.p1.load(std::memory_order_relaxed);
      p2 = s.p2.load(std::memory_order_relaxed);
      // The fence keeps the field loads above the re-read of seq: an
      // unchanged even seq proves no store of an update was seen half.
      std::atomic_thread_fence(std::memory_order_acquire);
      if (s.seq.load(std::memory_order_relaxed) == seq) [[likely]]
        break;
    }
    if (tag == kEmpty) return false;
    if (tag == want && a0 == k.a0 && a1 == k.a1) {
      out.w[0] = p0;
      out.w[1] = p1;
      out.w[2] = p2;
      return true;
    }
  }
  return false;
}

void PrefixTable::prefetch(uint16_t space, const PrefixAddr& a) const {
  if (space < max_spaces_) __builtin_prefetch(&slots_[home(make_key(space, a, a.ipv6 ? 128 : 32))]);
}

bool PrefixTable::find_exact(uint16_t space, const PrefixAddr& a, uint8_t prefix_len, PrefixPayload& out) const {
  if (space >= max_spaces_ || prefix_len > (a.ipv6 ? 128 : 32)) return false;
  return probe(make_key(space, a, prefix_len), out);
}

bool PrefixTable::find(uint16_t space, const PrefixAddr& a, PrefixPayload& out) const {
  if (space >= max_spaces_) return false;
  const std::atomic<uint64_t>* bits = lengths(space, a.ipv6);
  const int words = a.ipv6 ? 3 : 1;
  for (int w = words - 1; w >= 0; --w) {
    // Acquire pairs with the writer's release after an insert, so a length
    // bit seen set comes with its entries; a stale bit only costs a probe.
    uint64_t set = bits[w].load(std::memory_order_acquire);
    while (set) {
      unsigned b = 63u - static_cast<unsigned>(std::countl_zero(set));
      set &= ~(1ull << b);
      if (probe(make_key(space, a, static_cast<uint8_t>(w * 64 + b)), out)) return true;
    }
  }
  return false;
}

void PrefixTable::write_slot(Slot& s, uint32_t tag, const Key& k, const PrefixPayload& p) {
  uint32_t seq = s.seq.load(std::memory_order_relaxed);
  s.seq.store(seq + 1, std::memory_order_relaxed);
  // Release fence: the odd seq is visible before any field store below.
  std::atomic_thread_fence(std::memory_order_release);
  s.tag.store(tag, std::memory_order_relaxed);
  s.a0.store(k.a0, std::memory_order_relaxed);
  s.a1.store(k.a1, std::memory_order_relaxed);
  s.p0.store(p.w[0], std::memory_order_relaxed);
  s.p1.store(p.w[1], std::memory_order_relaxed);
  s.p2.store(p.w[2], std::memory_order_relaxed);
  // Release: a reader that sees the even seq sees every field store above.
  s.seq.store(seq + 2, std::memory_order_release);
}

PrefixUpdate PrefixTable::put(uint16_t space, const PrefixAddr& a, uint8_t prefix_len, const PrefixPayload& p) {
  if (space >= max_spaces_ || prefix_len > (a.ipv6 ? 128 : 32)) return PrefixUpdate::kInvalid;
  const Key k = make_key(space, a, prefix_len);
  const uint32_t want = k.tag | kUsed;
  uint32_t free_slot = kNone;
  uint32_t i = home(k);
  for (uint32_t n = 0; n <= mask_; ++n, i = (i + 1) & mask_) {
    Slot& s = slots_[i];
    uint32_t tag = s.tag.load(std::memory_order_relaxed);  // only this thread writes it
    if (tag == kEmpty) break;
    if (tag == kTombstone) {
      if (free_slot == kNone) free_slot = i;
    } else if (tag == want && s.a0.load(std::memory_order_relaxed) == k.a0 &&
               s.a1.load(std::memory_order_relaxed) == k.a1) {
      write_slot(s, want, k, p);
      return PrefixUpdate::kReplaced;
    }
  }
  if (size_ >= max_entries_) return PrefixUpdate::kFull;
  // size_ < max_entries_ <= half the slots, so the probe met an empty slot
  // or a tombstone.
  if (free_slot == kNone) free_slot = i;
  write_slot(slots_[free_slot], want, k, p);
  ++size_;
  if (length_count(space, a.ipv6, prefix_len)++ == 0) {
    lengths(space, a.ipv6)[prefix_len / 64].fetch_or(1ull << (prefix_len % 64), std::memory_order_release);
  }
  return PrefixUpdate::kAdded;
}

PrefixUpdate PrefixTable::remove(uint16_t space, const PrefixAddr& a, uint8_t prefix_len) {
  if (space >= max_spaces_ || prefix_len > (a.ipv6 ? 128 : 32)) return PrefixUpdate::kInvalid;
  const Key k = make_key(space, a, prefix_len);
  const uint32_t want = k.tag | kUsed;
  uint32_t i = home(k);
  for (uint32_t n = 0; n <= mask_; ++n, i = (i + 1) & mask_) {
    Slot& s = slots_[i];
    uint32_t tag = s.tag.load(std::memory_order_relaxed);
    if (tag == kEmpty) return PrefixUpdate::kNotFound;
    if (tag != want || s.a0.load(std::memory_order_relaxed) != k.a0 ||
        s.a1.load(std::memory_order_relaxed) != k.a1)
      continue;
    write_slot(s, kTombstone, Key{}, PrefixPayload{});
    --size_;
    if (--length_count(space, a.ipv6, prefix_len) == 0)
      lengths(space, a.ipv6)[prefix_len / 64].fetch_and(~(1ull << (prefix_len % 64)), std::memory_order_release);
    // A tombstone followed by an empty slot ends no chain that reaches past
    // it: clear it, and the tombstones right before it, back to empty so
    // that misses stay short under churn.
    if (slots_[(i + 1) & mask_].tag.load(std::memory_order_relaxed) == kEmpty) {
      for (uint32_t j = i; slots_[j].tag.load(std::memory_order_relaxed) == kTombstone; j = (j - 1) & mask_) {
        write_slot(slots_[j], kEmpty, Key{}, PrefixPayload{});
      }
    }
    return PrefixUpdate::kRemoved;
  }
  return PrefixUpdate::kNotFound;
}

}  // namespace vfpath
