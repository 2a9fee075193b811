#include "dataplane/worker_tables.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "dataplane/snapshot.h"

namespace vfpath {

WorkerTables WorkerTables::create(uint32_t capacity, unsigned workers, ct::SharedZoneCount* zone_counts,
                                  uint64_t ticks_per_second, EniBuckets* buckets) {
  WorkerTables t;
  const uint32_t share = (capacity + workers - 1) / workers;
  t.flows = ct::FlowTable::create({.capacity = share, .zones = static_cast<uint16_t>(kMaxEnis),
                                   .ticks_per_second = ticks_per_second});
  // Fragments: a first-fragment record per 64 connections, at least 1024.
  t.fragments = ct::FragmentTable::create(std::max(1024u, share / 64 / ct::FragmentTable::kWays), ticks_per_second);
  t.held = std::make_unique<FragmentHold>(kHoldCapacity, kHoldPerEni, kHoldTimeoutSeconds * ticks_per_second);
  t.ids = std::make_unique<IdsWorkerState>(kIdsStreamsPerWorker, ticks_per_second);
  t.allowance_cache = std::make_unique<AllowanceCache>();
  if (!buckets) {
    t.own_buckets = std::make_unique<EniBuckets[]>(kAllowanceSlots);
    buckets = t.own_buckets.get();
  }
  t.buckets = buckets;
  t.ticks_per_second = ticks_per_second;
  if (!t.flows || !t.fragments)
    throw std::runtime_error("cannot allocate a connection table of " + std::to_string(share) + " connections");
  if (zone_counts) t.flows->share_zone_counts(zone_counts);
  return t;
}

}  // namespace vfpath
