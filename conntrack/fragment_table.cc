#include "conntrack/fragment_table.h"

#include <cstring>

#include "packet/net_headers.h"

namespace vfpath::ct {

FragmentKey fragment_key_of(const PacketMeta& m, uint16_t zone) {
  FragmentKey k{};
  k.src = m.src;
  k.dst = m.dst;
  k.id = m.frag_id;
  k.zone = zone;
  k.proto = m.l4_proto;
  k.family = m.kind == PacketKind::kIpv6 ? 6 : 4;
  if (k.family == 4) {  // only the first 4 bytes of an IPv4 address are meaningful
    k.src.words[1] = k.src.words[2] = k.src.words[3] = 0;
    k.dst.words[1] = k.dst.words[2] = k.dst.words[3] = 0;
  }
  return k;
}

std::unique_ptr<FragmentTable> FragmentTable::create(uint32_t sets, uint64_t ticks_per_second, uint32_t timeout_s) {
  if (sets == 0 || sets > (1u << 24) || ticks_per_second == 0 || timeout_s == 0) return nullptr;
  uint32_t n = 1;
  while (n < sets) n <<= 1;
  std::unique_ptr<FragmentTable> t(new FragmentTable());
  t->slots_ = std::make_unique<Slot[]>(static_cast<size_t>(n) * kWays);
  std::memset(static_cast<void*>(t->slots_.get()), 0, sizeof(Slot) * n * kWays);
  t->mask_ = n - 1;
  t->timeout_ticks_ = ticks_per_second * timeout_s;
  return t;
}

uint64_t FragmentTable::hash(const FragmentKey& k) {
  uint64_t w[6];
  std::memcpy(w, &k, sizeof w);
  uint64_t h = 0x9e3779b97f4a7c15ull;
  for (uint64_t x : w) {
    h ^= x;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  }
  return h;
}

void FragmentTable::record(const FragmentKey& k, DropReason outcome, uint16_t l4_header_end, uint64_t now) {
  Slot* set = &slots_[(hash(k) & mask_) * kWays];
  Slot* victim = &set[0];
  for (uint32_t w = 0; w < kWays; ++w) {
    Slot& s = set[w];
    if (s.deadline != 0 && s.key == k) {  // a retransmitted first fragment refreshes its entry
      victim = &s;
      break;
    }
    if (s.deadline <= now) {  // empty or expired
      victim = &s;
      break;
    }
    if (s.deadline < victim->deadline) victim = &s;
  }
  victim->key = k;
  victim->deadline = now + timeout_ticks_;
  victim->outcome = outcome;
  victim->l4_end = l4_header_end;
}

DropReason FragmentTable::verdict(const FragmentKey& k, uint16_t offset, uint64_t now) const {
  const Slot* set = &slots_[(hash(k) & mask_) * kWays];
  for (uint32_t w = 0; w < kWays; ++w) {
    const Slot& s = set[w];
    if (s.deadline > now && s.key == k) {
      if (offset < s.l4_end) return DropReason::kFragmentOverlap;
      return s.outcome;
    }
  }
  return DropReason::kFragmentOrphan;
}

}  // namespace vfpath::ct
