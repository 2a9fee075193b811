#include "control/overlay_state.h"

#include <map>
#include <stdexcept>

#include "control/overlay_config.h"
#include "control/model.h"

namespace vfpath::control {
// Every table entry of a model, by (VPC id, canonical prefix).
std::map<OverlayKey, OverlayState::Target> OverlayState::entries_of(const Model& m) {
  std::map<OverlayKey, Target> out;
  if (!m.underlay) return out;
  auto add = [&](uint16_t vpc, const encap::UnderlayIp& addr, uint8_t len, encap::Mapping value) {
    out.emplace(OverlayKey{m.vpcs[vpc].id, to_string(addr) + "/" + std::to_string(len)}, Target{addr, len, value});
  };
  for (const MappingModel& mapping : m.mappings)
    add(mapping.vpc, mapping.ip, mapping.ip.ipv6 ? 128 : 32, encap::Mapping{mapping.underlay_ip, mapping.mac});
  for (const OverlayRouteModel& r : m.overlay_routes)
    add(r.vpc, r.prefix, r.prefix_len, encap::Mapping{r.underlay_ip, r.mac});
  return out;
}

OverlayState::OverlayState(uint32_t max_entries)
    : capacity_(max_entries), table_(max_entries, kMaxOverlayVpcs), keys_(kMaxOverlayVpcs) {}

OverlayState::Plan OverlayState::plan(const Model& next) const {
  Plan p;
  std::vector<std::string> vpcs;
  if (next.underlay)
    for (const VpcModel& v : next.vpcs)
      if (v.vni) vpcs.push_back(v.id);
  try {
    p.keys = keys_.plan(vpcs);
  } catch (const std::runtime_error&) {
    throw CompileError("more than " + std::to_string(kMaxOverlayVpcs) + " VPCs on the overlay");
  }
  p.binding.mappings = &table_;
  for (size_t i = 0; i < vpcs.size(); ++i) p.binding.vpc_keys.emplace(vpcs[i], static_cast<uint16_t>(p.keys.slots[i]));
  p.entries = entries_of(next);
  for (const auto& [k, t] : entries_)
    if (!p.entries.count(k))
      p.removals.push_back(Entry{current_keys_.at(k.first), t.addr, t.prefix_len, t.value});
  for (const auto& [k, t] : p.entries) {
    auto old = entries_.find(k);
    if (old == entries_.end() || !(old->second == t))
      p.puts.push_back(Entry{p.binding.vpc_keys.at(k.first), t.addr, t.prefix_len, t.value});
  }
  return p;
}

void OverlayState::apply(Plan&& p) {
  for (const Entry& e : p.removals)
    if (table_.remove(e.key, e.addr, e.prefix_len) != encap::UpdateStatus::kRemoved)
      throw std::logic_error("overlay: a mapping in force was not in the table");
  for (const Entry& e : p.puts) {
    const auto r = table_.put(e.key, e.addr, e.prefix_len, e.value);
    if (r != encap::UpdateStatus::kAdded && r != encap::UpdateStatus::kReplaced)
      throw std::logic_error("overlay: the mapping table refused an entry of a validated configuration");
  }
  entries_ = std::move(p.entries);
  current_keys_ = std::move(p.binding.vpc_keys);
  keys_.commit(std::move(p.keys));
}

}  // namespace vfpath::control
