#include "dataplane/telemetry.h"

#include <rte_telemetry.h>

#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <map>

#include "dataplane/ids_totals.h"
#include "dataplane/stats_view.h"

namespace vfpath {
namespace {

const CounterSet* g_counters = nullptr;
const SnapshotPublisher* g_publisher = nullptr;
std::vector<IdsWorkerState*> g_ids_workers;

// DPDK telemetry accepts only [A-Za-z0-9_.] in dictionary keys (ENI ids
// usually contain '-'), so keys are sanitised and the real id goes inside.
std::string telemetry_key(const std::string& id) {
  std::string k = id;
  for (char& c : k)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.') c = '_';
  return k;
}

std::string reason(size_t r) { return std::string(drop_reason_name(static_cast<DropReason>(r))); }

void add_drops(rte_tel_data* d, const std::array<uint64_t, kDropReasonCount>& drops, bool nonzero_only) {
  for (size_t r = 1; r < kDropReasonCount; ++r)
    if (drops[r] || !nonzero_only) rte_tel_data_add_dict_u64(d, reason(r).c_str(), drops[r]);
}

rte_tel_data* child_dict(const char* id_field, const std::string& id) {
  rte_tel_data* c = rte_tel_data_alloc();
  rte_tel_data_start_dict(c);
  rte_tel_data_add_dict_string(c, id_field, id.c_str());
  return c;
}

int cmd_drops(const char*, const char*, rte_tel_data* d) {
  rte_tel_data_start_dict(d);
  add_drops(d, g_counters->drops(), false);
  return 0;
}

int cmd_stats(const char*, const char*, rte_tel_data* d) {
  StatsView v = collect_stats(*g_counters, *g_publisher);
  rte_tel_data_start_dict(d);
  rte_tel_data_add_dict_u64(d, "generation", v.generation);
  uint64_t rx = 0, tx = 0, dropped = 0;
  for (const auto& p : v.ports) {
    rx += p.totals.rx_packets;
    tx += p.totals.tx_packets;
  }
  for (size_t r = 1; r < kDropReasonCount; ++r) dropped += v.drops[r];
  rte_tel_data_add_dict_u64(d, "rx_packets", rx);
  rte_tel_data_add_dict_u64(d, "tx_packets", tx);
  rte_tel_data_add_dict_u64(d, "workers", v.workers);
  rte_tel_data_add_dict_u64(d, "dropped", dropped);
  add_drops(d, v.drops, false);
  for (const auto& [name, value] : v.external_drops) rte_tel_data_add_dict_u64(d, name.c_str(), value);
  for (const auto& [name, value] : v.external_counters) rte_tel_data_add_dict_u64(d, name.c_str(), value);
  return 0;
}

int cmd_ports(const char*, const char*, rte_tel_data* d) {
  rte_tel_data_start_dict(d);
  for (const auto& p : collect_stats(*g_counters, *g_publisher).ports) {
    rte_tel_data* c = child_dict("name", p.name);
    rte_tel_data_add_dict_u64(c, "port_id", p.port_id);
    rte_tel_data_add_dict_u64(c, "rx_packets", p.totals.rx_packets);
    rte_tel_data_add_dict_u64(c, "rx_bytes", p.totals.rx_bytes);
    rte_tel_data_add_dict_u64(c, "tx_packets", p.totals.tx_packets);
    rte_tel_data_add_dict_u64(c, "tx_bytes", p.totals.tx_bytes);
    rte_tel_data_add_dict_container(d, telemetry_key(p.name).c_str(), c, 0);
  }
  return 0;
}

int cmd_enis(const char*, const char* params, rte_tel_data* d) {
  rte_tel_data_start_dict(d);
  std::string only = params ? params : "";
  for (const auto& e : collect_stats(*g_counters, *g_publisher).enis) {
    if (!only.empty() && e.id != only) continue;
    rte_tel_data* c = child_dict("id", e.id);
    rte_tel_data_add_dict_u64(c, "rx_packets", e.totals.rx_packets);
    rte_tel_data_add_dict_u64(c, "rx_bytes", e.totals.rx_bytes);
    rte_tel_data_add_dict_u64(c, "tx_packets", e.totals.tx_packets);
    rte_tel_data_add_dict_u64(c, "tx_bytes", e.totals.tx_bytes);
    rte_tel_data_add_dict_u64(c, "connections", e.totals.connections);
    rte_tel_data_add_dict_u64(c, "conntrack_allowance_exceeded", e.conntrack_allowance_exceeded);
    rte_tel_data_add_dict_u64(c, "conntrack_allowance_available", e.conntrack_allowance_available);
    add_drops(c, e.totals.drops, true);
    for (std::size_t k = 0; k < kTrafficClasses; ++k) {  // metering: local_out_bytes, internet_in_packets, ...
      const ClassTotals& t = e.totals.classes[k];
      const std::string n = kTrafficClassNames[k];
      rte_tel_data_add_dict_u64(c, (n + "_out_packets").c_str(), t.out_packets);
      rte_tel_data_add_dict_u64(c, (n + "_out_bytes").c_str(), t.out_bytes);
      rte_tel_data_add_dict_u64(c, (n + "_in_packets").c_str(), t.in_packets);
      rte_tel_data_add_dict_u64(c, (n + "_in_bytes").c_str(), t.in_bytes);
    }
    rte_tel_data_add_dict_container(d, telemetry_key(e.id).c_str(), c, 0);
  }
  return 0;
}

int cmd_nacls(const char*, const char* params, rte_tel_data* d) {
  rte_tel_data_start_dict(d);
  std::string only = params ? params : "";
  for (const auto& n : collect_stats(*g_counters, *g_publisher).nacls) {
    if (!only.empty() && n.id != only) continue;
    rte_tel_data* c = child_dict("id", n.id);
    for (const auto& [name, hits] : n.hits) rte_tel_data_add_dict_u64(c, name.c_str(), hits);
    rte_tel_data_add_dict_container(d, telemetry_key(n.id).c_str(), c, 0);
  }
  return 0;
}

int cmd_ids(const char*, const char*, rte_tel_data* d) {
  rte_tel_data_start_dict(d);
  const IdsTotals t = ids_totals(g_ids_workers, *g_publisher);
  for (const auto& [name, value] : t.counters) rte_tel_data_add_dict_u64(d, name.c_str(), value);
  std::map<std::string, rte_tel_data*> per_set;
  for (const auto& r : t.rules) {
    rte_tel_data*& c = per_set[r.ruleset];
    if (!c) c = child_dict("ruleset", r.ruleset);
    rte_tel_data_add_dict_u64(c, ("sid_" + std::to_string(r.sid)).c_str(), r.hits);
  }
  for (auto& [id, c] : per_set) rte_tel_data_add_dict_container(d, ("rules_" + telemetry_key(id)).c_str(), c, 0);
  return 0;
}

}  // namespace

void register_ids_telemetry(std::vector<IdsWorkerState*> workers, const SnapshotPublisher& publisher) {
  g_ids_workers = std::move(workers);
  g_publisher = &publisher;
  rte_telemetry_register_cmd("/vfpath/ids", cmd_ids, "IDS counters over all workers, per-rule hits by rule set");
}

void register_telemetry(const CounterSet& counters, const SnapshotPublisher& publisher) {
  g_counters = &counters;
  g_publisher = &publisher;
  rte_telemetry_register_cmd("/vfpath/stats", cmd_stats, "Generation in force, packet totals, drops by reason");
  rte_telemetry_register_cmd("/vfpath/drops", cmd_drops, "Packets dropped, by reason (stable names)");
  rte_telemetry_register_cmd("/vfpath/ports", cmd_ports, "Per port rx/tx packets and bytes");
  rte_telemetry_register_cmd("/vfpath/enis", cmd_enis,
                             "Per ENI rx (from the VM) / tx (to the VM) and drops. Parameter: ENI id");
  rte_telemetry_register_cmd("/vfpath/nacls", cmd_nacls,
                             "Per network ACL: hits per entry (direction_family_rule). Parameter: NACL id");
}

std::string counters_report(const CounterSet& counters, const SnapshotPublisher& publisher) {
  StatsView v = collect_stats(counters, publisher);
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "generation %" PRIu64 "\n%-16s %12s %14s %12s %14s\n", v.generation, "port",
                "rx_packets", "rx_bytes", "tx_packets", "tx_bytes");
  out += line;
  for (const auto& p : v.ports) {
    std::snprintf(line, sizeof line, "%-16s %12" PRIu64 " %14" PRIu64 " %12" PRIu64 " %14" PRIu64 "\n", p.name.c_str(),
                  p.totals.rx_packets, p.totals.rx_bytes, p.totals.tx_packets, p.totals.tx_bytes);
    out += line;
  }
  std::snprintf(line, sizeof line, "%-16s %12s %14s %12s %14s  drops\n", "eni", "rx_packets", "rx_bytes",
                "tx_packets", "tx_bytes");
  out += line;
  for (const auto& e : v.enis) {
    std::string drops;
    for (size_t r = 1; r < kDropReasonCount; ++r)
      if (e.totals.drops[r]) drops += " " + reason(r) + "=" + std::to_string(e.totals.drops[r]);
    for (const auto& [name, value] : e.external_drops)
      if (value) drops += " " + name + "=" + std::to_string(value);
    std::snprintf(line, sizeof line, "%-16s %12" PRIu64 " %14" PRIu64 " %12" PRIu64 " %14" PRIu64 " ", e.id.c_str(),
                  e.totals.rx_packets, e.totals.rx_bytes, e.totals.tx_packets, e.totals.tx_bytes);
    out += line + drops + "\n";
  }
  for (const auto& n : v.nacls) {
    std::string hits;
    for (const auto& [name, count] : n.hits)
      if (count) hits += " " + name + "=" + std::to_string(count);
    out += "network acl " + n.id + " hits:" + (hits.empty() ? " none" : hits) + "\n";
  }
  out += "drops by reason:";
  bool any = false;
  for (size_t r = 1; r < kDropReasonCount; ++r)
    if (v.drops[r]) {
      out += " " + reason(r) + "=" + std::to_string(v.drops[r]);
      any = true;
    }
  for (const auto& [name, value] : v.external_drops)
    if (value) {
      out += " " + name + "=" + std::to_string(value);
      any = true;
    }
  out += any ? "\n" : " none\n";
  if (!v.external_counters.empty()) {
    out += "xdp:";
    for (const auto& [name, value] : v.external_counters) out += " " + name + "=" + std::to_string(value);
    out += "\n";
  }
  return out;
}

}  // namespace vfpath
