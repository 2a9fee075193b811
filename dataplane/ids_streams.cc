#include "dataplane/ids_streams.h"

#include <cstring>
#include <random>

namespace vfpath {

IdsStreamTable::IdsStreamTable(uint32_t capacity, uint64_t ticks_per_second)
    : idle_ticks_(ticks_per_second * kIdsStreamIdleSeconds) {
  uint32_t sets = 2, log2 = 1;
  while (sets * 4 < capacity) sets <<= 1, ++log2;
  sets_ = sets;
  shift_ = 64 - log2;
  seed_ = (static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
  entries_ = std::make_unique<IdsStream[]>(static_cast<size_t>(sets_) * 4);
}

IdsStream* IdsStreamTable::find_or_insert(const ct::FlowKey& key, uint64_t hash, uint64_t now, bool& inserted) {
  inserted = false;
  IdsStream* set = set_of(hash);
  IdsStream* victim = nullptr;
  int victim_rank = 0;  // 3 free, 2 idle, 1 blocked and idle ten times as long, 0 live: never taken
  for (int w = 0; w < 4; ++w) {
    IdsStream& e = set[w];
    if (e.used && std::memcmp(&e.key, &key, sizeof key) == 0) return &e;
    const uint64_t idle = now - e.last_seen;
    int rank;
    if (!e.used) rank = 3;
    else if (e.flags & ids_stream_flag::kBlocked) rank = idle > 10 * idle_ticks_ ? 1 : 0;
    else rank = idle > idle_ticks_ ? 2 : 0;
    if (rank > victim_rank || (rank == victim_rank && rank > 0 && e.last_seen < victim->last_seen)) {
      victim = &e;
      victim_rank = rank;
    }
  }
  if (victim_rank == 0) {
    stats_.streams_full.add(1);
    return nullptr;
  }
  if (victim_rank < 3) stats_.streams_evicted.add(1);
  *victim = IdsStream{};
  victim->key = key;
  victim->used = 1;
  victim->last_seen = now;
  inserted = true;
  return victim;
}

}  // namespace vfpath
