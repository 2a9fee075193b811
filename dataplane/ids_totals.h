// The IDS counters summed over workers and the per-rule hits of the rule
// sets in force: what `vfpathctl stats` and /vfpath/ids show. Any thread;
// counts are single-writer values read whole, possibly a moment stale.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "dataplane/ids_streams.h"
#include "dataplane/snapshot_publisher.h"

namespace vfpath {

struct IdsTotals {
  std::map<std::string, uint64_t> counters;  // ids_alerts, ids_alerts_dropped, ... -> sum over workers
  struct RuleHits {
    std::string ruleset;
    uint32_t sid = 0;
    std::string msg;
    uint64_t hits = 0;
  };
  std::vector<RuleHits> rules;  // rules with hits, in rule-set order
};

IdsTotals ids_totals(const std::vector<IdsWorkerState*>& workers, const SnapshotPublisher& publisher);

}  // namespace vfpath
