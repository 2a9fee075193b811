#include "dataplane/stats_view.h"

#include <algorithm>

namespace vfpath {

std::string nacl_counter_name(int direction, bool ipv6, uint16_t rule_number) {
  std::string n = std::string(direction == 0 ? "ingress" : "egress") + (ipv6 ? "_ipv6_" : "_ipv4_");
  return n + (rule_number ? std::to_string(rule_number) : "implicit_deny");
}

namespace {
std::function<ExternalCounters()> g_external;
}  // namespace

void set_external_counters(std::function<ExternalCounters()> source) { g_external = std::move(source); }

StatsView collect_stats(const CounterSet& counters, const SnapshotPublisher& publisher) {
  StatsView v;
  ExternalCounters external;
  if (g_external) external = g_external();
  v.external_drops = external.drops;
  v.external_counters = external.counters;
  v.workers = counters.lcores();
  v.drops = counters.drops();
  publisher.with_current([&](const Snapshot* s) {
    if (!s) return;
    v.generation = s->generation;
    for (uint16_t p = 0; p < s->ports.size(); ++p)
      if (s->ports[p].role != PortRole::kUnused) v.ports.push_back({s->ports[p].name, p, counters.port(p)});
    uint64_t tracked = 0;
    for (size_t i = 0; i < s->enis.size(); ++i) {
      EniTotals t = counters.eni(s->enis[i].counter_slot);
      if (i < s->eni_baselines.size()) t = t - s->eni_baselines[i];
      tracked += t.connections;
      v.enis.push_back({s->enis[i].id, t});
      if (auto x = external.eni_drops.find(s->enis[i].counter_slot); x != external.eni_drops.end())
        v.enis.back().external_drops = x->second;
    }
    const uint64_t room = s->conntrack_capacity > tracked ? s->conntrack_capacity - tracked : 0;
    for (size_t i = 0; i < v.enis.size(); ++i) {
      EniView& e = v.enis[i];
      const uint64_t allowance = s->enis[i].conntrack.allowance;
      const uint64_t left = allowance > e.totals.connections ? allowance - e.totals.connections : 0;
      e.conntrack_allowance_available = std::min(left, room);
      e.conntrack_allowance_exceeded = e.totals.drops[static_cast<size_t>(DropReason::kConntrackFull)];
    }
    for (const NaclEntry& n : s->nacls) {
      NaclView nv{n.id, {}};
      for (int dir = 0; dir < 2; ++dir)
        for (int fam = 0; fam < 2; ++fam) {
          const NaclTable& t = n.tables[dir][fam];
          for (size_t u = 0; u < t.verdicts.size(); ++u)
            nv.hits.emplace_back(nacl_counter_name(dir, fam == 1, t.verdicts[u].rule_number),
                                 counters.nacl_hits(t.hit_slots[u]) - (u < t.hit_baselines.size() ? t.hit_baselines[u] : 0));
        }
      v.nacls.push_back(std::move(nv));
    }
  });
  return v;
}

}  // namespace vfpath
