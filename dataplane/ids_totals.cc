#include "dataplane/ids_totals.h"

namespace vfpath {

IdsTotals ids_totals(const std::vector<IdsWorkerState*>& workers, const SnapshotPublisher& publisher) {
  IdsTotals t;
  auto& c = t.counters;
  auto add = [&](const char* name, uint64_t v) { c[name] += v; };
  for (const char* name : {"ids_packets_inspected", "ids_bytes_inspected", "ids_alerts", "ids_alerts_dropped",
                           "ids_bytes_uninspected", "ids_fragments_uninspected", "ids_stream_gaps",
                           "ids_overlap_mismatch", "ids_retransmit_unverified", "ids_bad_checksum", "ids_midstream",
                           "ids_scan_errors", "ids_streams_evicted", "ids_streams_full"})
    c[name] = 0;
  for (const IdsWorkerState* w : workers) {
    const IdsCounters& k = w->counters;
    add("ids_packets_inspected", k.packets_inspected.get());
    add("ids_bytes_inspected", k.bytes_inspected.get());
    add("ids_alerts", k.alerts.get());
    add("ids_alerts_dropped", k.alerts_dropped.get());
    add("ids_bytes_uninspected", k.bytes_uninspected.get());
    add("ids_fragments_uninspected", k.fragments_uninspected.get());
    add("ids_stream_gaps", k.stream_gaps.get());
    add("ids_overlap_mismatch", k.overlap_mismatch.get());
    add("ids_retransmit_unverified", k.retransmit_unverified.get());
    add("ids_bad_checksum", k.bad_checksum.get());
    add("ids_midstream", k.midstream.get());
    add("ids_scan_errors", k.scan_errors.get());
    add("ids_streams_evicted", w->streams.stats().streams_evicted.get());
    add("ids_streams_full", w->streams.stats().streams_full.get());
  }
  publisher.with_current([&](const Snapshot* s) {
    if (!s) return;
    for (const auto& rs : s->ids_rulesets) {
      const auto& rules = rs->db->rules();
      for (uint32_t r = 0; r < rules.size(); ++r) {
        uint64_t hits = 0;
        for (const auto& scratch : rs->scratch) hits += scratch->rule_hits(r);
        if (hits) t.rules.push_back({rs->id, rules[r].sid, rules[r].msg, hits});
      }
    }
  });
  return t;
}

}  // namespace vfpath
