// Counters over DPDK telemetry (dpdk-telemetry.py, or the socket directly):
//   /vfpath/stats  generation, packet totals and every drop reason
//   /vfpath/drops  drop reason -> packets, all reasons (stable names)
//   /vfpath/ports  port name -> rx/tx packets and bytes
//   /vfpath/enis   ENI id -> rx/tx packets and bytes and its non-zero drops;
//                  with a parameter, only that ENI
// Also the same figures as text, for the daemon's exit report.
#pragma once

#include <string>

#include "dataplane/counters.h"
#include "dataplane/snapshot_publisher.h"

namespace vfpath {

// Registers the commands; the objects must outlive the EAL (until rte_eal_cleanup).
void register_telemetry(const CounterSet& counters, const SnapshotPublisher& publisher);

// A human-readable report of every non-zero counter.
std::string counters_report(const CounterSet& counters, const SnapshotPublisher& publisher);

}  // namespace vfpath
