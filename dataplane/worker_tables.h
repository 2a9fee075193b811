// A worker's connection tracking: its table (capacity / workers connections)
// fragment table, and its hold of fragments that came early. Created before the worker starts, then its alone.
#pragma once

#include <cstdint>
#include <memory>

#include "conntrack/flow_table.h"
#include "conntrack/fragment_table.h"
#include "dataplane/allowance.h"
#include "dataplane/fragment_hold.h"
#include "dataplane/ids_streams.h"

namespace vfpath {

struct WorkerTables {
  std::unique_ptr<ct::FlowTable> flows;
  std::unique_ptr<ct::FragmentTable> fragments;
  std::unique_ptr<FragmentHold> held;  // fragments ahead of their first
  std::unique_ptr<IdsWorkerState> ids;  // IDS streams (kIdsStreamsPerWorker), alerts, counters
  std::unique_ptr<AllowanceCache> allowance_cache;  // this worker's cached allowance tokens
  std::unique_ptr<EniBuckets[]> own_buckets;        // when the caller shares none
  EniBuckets* buckets = nullptr;                    // the allowance buckets (shared by all workers)
  uint64_t ticks_per_second = 1000000000;
  // `zone_counts`: kMaxEnis entries shared by all workers' tables (the
  // allowance is per ENI, not per worker); null: the table counts its own.
  // `ticks_per_second`: the clock the worker's Io reads. `buckets`:
  // kAllowanceSlots per-ENI allowance buckets shared by all workers; null:
  // the tables have their own. Throws std::runtime_error when memory is short.
  static WorkerTables create(uint32_t capacity, unsigned workers, ct::SharedZoneCount* zone_counts,
                             uint64_t ticks_per_second, EniBuckets* buckets = nullptr);
};

}  // namespace vfpath
