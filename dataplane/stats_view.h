// A consistent, named view of every counter (summed over workers) for the
// readers: telemetry, the gRPC GetStats call, the exit report. Taken under
// the publisher's control mutex, so names and slots come from one snapshot.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "dataplane/counters.h"
#include "dataplane/snapshot_publisher.h"

namespace vfpath {

struct PortView {
  std::string name;
  uint16_t port_id = 0;
  PortTotals totals;
};

struct EniView {
  std::string id;
  EniTotals totals;
  // The ENA names: connections refused for the allowance or the table
  // (conntrack_full drops), and how many more this ENI may open now.
  uint64_t conntrack_allowance_exceeded = 0;
  uint64_t conntrack_allowance_available = 0;
  std::vector<std::pair<std::string, uint64_t>> external_drops;  // ExternalCounters::eni_drops of its slot
};

struct NaclView {
  std::string id;
  std::vector<std::pair<std::string, uint64_t>> hits;  // "ingress_ipv4_100" -> packets
};

struct StatsView {
  uint64_t generation = 0;
  unsigned workers = 0;
  std::vector<PortView> ports;
  std::vector<EniView> enis;
  std::array<uint64_t, kDropReasonCount> drops{};
  std::vector<NaclView> nacls;
  std::vector<std::pair<std::string, uint64_t>> external_drops, external_counters;
};

// Counters kept outside the workers' (the XDP programs' maps), by name:
// drops (globally and by ENI counter slot) and other counts.
struct ExternalCounters {
  std::vector<std::pair<std::string, uint64_t>> drops, counters;
  std::map<uint32_t, std::vector<std::pair<std::string, uint64_t>>> eni_drops;
};
// Registers where collect_stats takes them from (at start, before any
// reader; an empty function: none). Called on the reader's thread.
void set_external_counters(std::function<ExternalCounters()> source);

StatsView collect_stats(const CounterSet& counters, const SnapshotPublisher& publisher);

// "ingress_ipv4_100", or "..._implicit_deny" for the final "*" entry.
std::string nacl_counter_name(int direction, bool ipv6, uint16_t rule_number);

}  // namespace vfpath
