#include "control/counter_slots.h"

#include <stdexcept>

namespace vfpath::control {

CounterSlots::Assignment CounterSlots::plan(const std::vector<std::string>& keys) const {
  Assignment a;
  State& n = a.next;
  n.never_used = state_.never_used;
  n.free = state_.free;
  n.free.insert(state_.quarantined.begin(), state_.quarantined.end());  // usable from this push on
  for (const auto& k : keys) {
    uint32_t slot;
    bool reused = false;
    if (auto it = state_.owner.find(k); it != state_.owner.end()) {
      slot = it->second;
    } else if (!n.free.empty()) {
      slot = *n.free.begin();
      n.free.erase(n.free.begin());
      reused = true;
    } else if (n.never_used < capacity_) {
      slot = n.never_used++;
    } else {
      throw std::runtime_error("more than " + std::to_string(capacity_) + " counters needed");
    }
    n.owner.emplace(k, slot);
    a.slots.push_back(slot);
    a.reused.push_back(reused);
  }
  for (const auto& [k, slot] : state_.owner)  // disappeared: one push of quarantine
    if (!n.owner.count(k)) n.quarantined.insert(slot);
  return a;
}

SlotAssignments assign_counter_slots(Snapshot& s, const CounterSlots& eni_slots, const CounterSlots& hit_slots,
                                     const CounterSet& counters) {
  SlotAssignments out;
  std::vector<std::string> eni_keys;
  for (const EniEntry& e : s.enis) eni_keys.push_back(e.id);
  out.enis = eni_slots.plan(eni_keys);
  for (size_t i = 0; i < s.enis.size(); ++i) {
    s.enis[i].counter_slot = out.enis.slots[i];
    s.eni_ct[i].zone = static_cast<uint16_t>(out.enis.slots[i]);
    s.eni_baselines[i] = out.enis.reused[i] ? counters.eni(out.enis.slots[i]) : EniTotals{};
  }
  s.index_slots();
  std::vector<std::string> hit_keys;
  for (const NaclEntry& n : s.nacls)
    for (int dir = 0; dir < 2; ++dir)
      for (int fam = 0; fam < 2; ++fam)
        for (const auto& v : n.tables[dir][fam].verdicts)
          hit_keys.push_back(n.id + "/" + std::to_string(dir) + "/" + std::to_string(fam) + "/" +
                             std::to_string(v.rule_number));
  out.nacl_hits = hit_slots.plan(hit_keys);
  size_t k = 0;
  for (NaclEntry& n : s.nacls)
    for (int dir = 0; dir < 2; ++dir)
      for (int fam = 0; fam < 2; ++fam) {
        NaclTable& t = n.tables[dir][fam];
        for (size_t u = 0; u < t.verdicts.size(); ++u, ++k) {
          t.hit_slots[u] = out.nacl_hits.slots[k];
          t.hit_baselines[u] = out.nacl_hits.reused[k] ? counters.nacl_hits(t.hit_slots[u]) : 0;
        }
      }
  return out;
}

}  // namespace vfpath::control
