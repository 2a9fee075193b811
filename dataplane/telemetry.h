// Counters over DPDK telemetry (dpdk-telemetry.py, or the socket directly):
//   /vfpath/stats  generation, packet totals and every drop reason
//   /vfpath/drops  drop reason -> packets, all reasons (stable names)
//   /vfpath/ports  port name -> rx/tx packets and bytes
//   /vfpath/enis   ENI id -> rx/tx packets and bytes and its non-zero drops;
//                  with a parameter, only that ENI
//   /vfpath/ids    IDS counters summed over workers, and per rule set the
//                  hits of each rule that matched (sid -> hits)
// Also the same figures as text, for the daemon's exit report.
#pragma once

#include <string>

#include <vector>

#include "dataplane/counters.h"
#include "dataplane/ids_streams.h"
#include "dataplane/snapshot_publisher.h"

namespace vfpath {

// Registers the commands; the objects must outlive the EAL (until rte_eal_cleanup).
void register_telemetry(const CounterSet& counters, const SnapshotPublisher& publisher);

// Registers /vfpath/ids over the workers' IDS states (outliving the EAL).
void register_ids_telemetry(std::vector<IdsWorkerState*> workers, const SnapshotPublisher& publisher);

// A human-readable report of every non-zero counter.
std::string counters_report(const CounterSet& counters, const SnapshotPublisher& publisher);

}  // namespace vfpath
