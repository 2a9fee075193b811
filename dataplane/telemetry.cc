#include "dataplane/telemetry.h"

#include <rte_telemetry.h>

#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace vfpath {
namespace {

const CounterSet* g_counters = nullptr;

// DPDK telemetry accepts only [A-Za-z0-9_.] in dictionary keys (ENI ids
// usually contain '-'), so keys are sanitised and the real id goes inside.
std::string telemetry_key(const std::string& id) {
  std::string k = id;
  for (char& c : k)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.') c = '_';
  return k;
}
const SnapshotPublisher* g_publisher = nullptr;

void add_eni(rte_tel_data* d, const EniTotals& t) {
  rte_tel_data_add_dict_u64(d, "rx_packets", t.rx_packets);
  rte_tel_data_add_dict_u64(d, "rx_bytes", t.rx_bytes);
  rte_tel_data_add_dict_u64(d, "tx_packets", t.tx_packets);
  rte_tel_data_add_dict_u64(d, "tx_bytes", t.tx_bytes);
  for (size_t r = 1; r < kDropReasonCount; ++r)
    if (t.drops[r])
      rte_tel_data_add_dict_u64(d, std::string(drop_reason_name(static_cast<DropReason>(r))).c_str(), t.drops[r]);
}

int cmd_drops(const char*, const char*, rte_tel_data* d) {
  rte_tel_data_start_dict(d);
  auto drops = g_counters->drops();
  for (size_t r = 1; r < kDropReasonCount; ++r)
    rte_tel_data_add_dict_u64(d, std::string(drop_reason_name(static_cast<DropReason>(r))).c_str(), drops[r]);
  return 0;
}

int cmd_stats(const char*, const char*, rte_tel_data* d) {
  rte_tel_data_start_dict(d);
  g_publisher->with_current([&](const Snapshot* s) {
    rte_tel_data_add_dict_u64(d, "generation", s ? s->generation : 0);
    uint64_t rx = 0, tx = 0;
    if (s)
      for (uint16_t p = 0; p < s->ports.size(); ++p) {
        PortTotals t = g_counters->port(p);
        rx += t.rx_packets;
        tx += t.tx_packets;
      }
    rte_tel_data_add_dict_u64(d, "rx_packets", rx);
    rte_tel_data_add_dict_u64(d, "tx_packets", tx);
  });
  rte_tel_data_add_dict_u64(d, "workers", g_counters->lcores());
  auto drops = g_counters->drops();
  uint64_t total = 0;
  for (size_t r = 1; r < kDropReasonCount; ++r) total += drops[r];
  rte_tel_data_add_dict_u64(d, "dropped", total);
  for (size_t r = 1; r < kDropReasonCount; ++r)
    rte_tel_data_add_dict_u64(d, std::string(drop_reason_name(static_cast<DropReason>(r))).c_str(), drops[r]);
  return 0;
}

int cmd_ports(const char*, const char*, rte_tel_data* d) {
  rte_tel_data_start_dict(d);
  g_publisher->with_current([&](const Snapshot* s) {
    if (!s) return;
    for (uint16_t p = 0; p < s->ports.size(); ++p) {
      if (s->ports[p].role == PortRole::kUnused) continue;
      PortTotals t = g_counters->port(p);
      rte_tel_data* c = rte_tel_data_alloc();
      rte_tel_data_start_dict(c);
      rte_tel_data_add_dict_u64(c, "port_id", p);
      rte_tel_data_add_dict_u64(c, "rx_packets", t.rx_packets);
      rte_tel_data_add_dict_u64(c, "rx_bytes", t.rx_bytes);
      rte_tel_data_add_dict_u64(c, "tx_packets", t.tx_packets);
      rte_tel_data_add_dict_u64(c, "tx_bytes", t.tx_bytes);
      rte_tel_data_add_dict_string(c, "name", s->ports[p].name.c_str());
      rte_tel_data_add_dict_container(d, telemetry_key(s->ports[p].name).c_str(), c, 0);
    }
  });
  return 0;
}

int cmd_enis(const char*, const char* params, rte_tel_data* d) {
  rte_tel_data_start_dict(d);
  std::string only = params ? params : "";
  g_publisher->with_current([&](const Snapshot* s) {
    if (!s) return;
    for (const EniEntry& e : s->enis) {
      if (!only.empty() && e.id != only) continue;
      rte_tel_data* c = rte_tel_data_alloc();
      rte_tel_data_start_dict(c);
      rte_tel_data_add_dict_string(c, "id", e.id.c_str());
      add_eni(c, g_counters->eni(e.counter_slot));
      rte_tel_data_add_dict_container(d, telemetry_key(e.id).c_str(), c, 0);
    }
  });
  return 0;
}

// "ingress_ipv4_100", or "..._implicit_deny" for the final "*" entry.
std::string nacl_counter_name(int dir, int family, const acl::nacl::Verdict& v) {
  std::string n = std::string(dir == 0 ? "ingress" : "egress") + (family ? "_ipv6_" : "_ipv4_");
  return n + (v.rule_number ? std::to_string(v.rule_number) : "implicit_deny");
}

template <typename Fn>
void for_each_nacl_counter(const Snapshot& s, const NaclEntry& n, Fn fn) {
  (void)s;
  for (int dir = 0; dir < 2; ++dir)
    for (int family = 0; family < 2; ++family) {
      const NaclTable& t = n.tables[dir][family];
      for (size_t u = 0; u < t.verdicts.size(); ++u)
        fn(nacl_counter_name(dir, family, t.verdicts[u]), g_counters->nacl_hits(t.hit_base + static_cast<uint32_t>(u)));
    }
}

int cmd_nacls(const char*, const char* params, rte_tel_data* d) {
  rte_tel_data_start_dict(d);
  std::string only = params ? params : "";
  g_publisher->with_current([&](const Snapshot* s) {
    if (!s) return;
    for (const NaclEntry& n : s->nacls) {
      if (!only.empty() && n.id != only) continue;
      rte_tel_data* c = rte_tel_data_alloc();
      rte_tel_data_start_dict(c);
      rte_tel_data_add_dict_string(c, "id", n.id.c_str());
      for_each_nacl_counter(*s, n, [&](const std::string& name, uint64_t hits) {
        rte_tel_data_add_dict_u64(c, name.c_str(), hits);
      });
      rte_tel_data_add_dict_container(d, telemetry_key(n.id).c_str(), c, 0);
    }
  });
  return 0;
}

}  // namespace

void register_telemetry(const CounterSet& counters, const SnapshotPublisher& publisher) {
  g_counters = &counters;
  g_publisher = &publisher;
  rte_telemetry_register_cmd("/vfpath/stats", cmd_stats, "Generation in force, packet totals, drops by reason");
  rte_telemetry_register_cmd("/vfpath/drops", cmd_drops, "Packets dropped, by reason (stable names)");
  rte_telemetry_register_cmd("/vfpath/ports", cmd_ports, "Per port rx/tx packets and bytes");
  rte_telemetry_register_cmd("/vfpath/nacls", cmd_nacls,
                             "Per network ACL: hits per entry (direction_family_rule). Parameter: NACL id");
  rte_telemetry_register_cmd("/vfpath/enis", cmd_enis,
                             "Per ENI rx (from the VM) / tx (to the VM) and drops. Parameter: ENI id");
}

std::string counters_report(const CounterSet& counters, const SnapshotPublisher& publisher) {
  std::string out;
  char line[256];
  publisher.with_current([&](const Snapshot* s) {
    if (!s) return;
    std::snprintf(line, sizeof line, "generation %" PRIu64 "\n%-16s %12s %14s %12s %14s\n", s->generation, "port",
                  "rx_packets", "rx_bytes", "tx_packets", "tx_bytes");
    out += line;
    for (uint16_t p = 0; p < s->ports.size(); ++p) {
      if (s->ports[p].role == PortRole::kUnused) continue;
      PortTotals t = counters.port(p);
      std::snprintf(line, sizeof line, "%-16s %12" PRIu64 " %14" PRIu64 " %12" PRIu64 " %14" PRIu64 "\n",
                    s->ports[p].name.c_str(), t.rx_packets, t.rx_bytes, t.tx_packets, t.tx_bytes);
      out += line;
    }
    std::snprintf(line, sizeof line, "%-16s %12s %14s %12s %14s  drops\n", "eni", "rx_packets", "rx_bytes",
                  "tx_packets", "tx_bytes");
    out += line;
    for (const EniEntry& e : s->enis) {
      EniTotals t = counters.eni(e.counter_slot);
      std::string drops;
      for (size_t r = 1; r < kDropReasonCount; ++r)
        if (t.drops[r])
          drops += " " + std::string(drop_reason_name(static_cast<DropReason>(r))) + "=" + std::to_string(t.drops[r]);
      std::snprintf(line, sizeof line, "%-16s %12" PRIu64 " %14" PRIu64 " %12" PRIu64 " %14" PRIu64 " ", e.id.c_str(),
                    t.rx_packets, t.rx_bytes, t.tx_packets, t.tx_bytes);
      out += line + drops + "\n";
    }
    for (const NaclEntry& n : s->nacls) {
      std::string hits;
      for_each_nacl_counter(*s, n, [&](const std::string& name, uint64_t count) {
        if (count) hits += " " + name + "=" + std::to_string(count);
      });
      out += "network acl " + n.id + " hits:" + (hits.empty() ? " none" : hits) + "\n";
    }
  });
  out += "drops by reason:";
  auto drops = counters.drops();
  bool any = false;
  for (size_t r = 1; r < kDropReasonCount; ++r)
    if (drops[r]) {
      out += " " + std::string(drop_reason_name(static_cast<DropReason>(r))) + "=" + std::to_string(drops[r]);
      any = true;
    }
  out += any ? "\n" : " none\n";
  return out;
}

}  // namespace vfpath
