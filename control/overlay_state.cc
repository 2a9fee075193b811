#include "control/overlay_state.h"

#include <map>
#include <stdexcept>

#include "control/overlay_config.h"
#include "packet/text_address.h"
#include "control/validate.h"

namespace vfpath::control {
namespace {

struct Target {
  encap::OverlayAddr addr;
  uint8_t prefix_len = 0;
  encap::Mapping value;
  bool operator==(const Target& o) const {
    return addr == o.addr && prefix_len == o.prefix_len && value == o.value;
  }
};

// Every table entry of a configuration, by (VPC id, canonical prefix).
std::map<OverlayKey, Target> entries(const config::v1::Config& c) {
  std::map<OverlayKey, Target> out;
  if (!c.has_underlay()) return out;
  const MacAddr router = *parse_mac(c.router().mac().empty() ? kDefaultRouterMac : c.router().mac());
  for (const auto& m : c.mappings()) {
    Target t;
    t.addr = *parse_ip(m.ip());
    t.prefix_len = t.addr.ipv6 ? 128 : 32;
    t.value = encap::Mapping{*parse_ip(m.underlay_ip()), *parse_mac(m.mac())};
    out.emplace(OverlayKey{m.vpc(), to_string(t.addr) + "/" + std::to_string(t.prefix_len)}, t);
  }
  for (const auto& r : c.overlay_routes()) {
    PrefixParse p = parse_prefix(r.prefix());
    Target t;
    t.addr = p.is_v6 ? encap::UnderlayIp::v6(p.v6.addr) : encap::UnderlayIp::v4(p.v4.addr);
    t.prefix_len = p.is_v6 ? p.v6.len : p.v4.len;
    t.value = encap::Mapping{*parse_ip(r.underlay_ip()), r.mac().empty() ? router : *parse_mac(r.mac())};
    out.emplace(OverlayKey{r.vpc(), to_string(t.addr) + "/" + std::to_string(t.prefix_len)}, t);
  }
  return out;
}

}  // namespace

OverlayState::OverlayState(uint32_t max_entries)
    : capacity_(max_entries), table_(max_entries, kMaxOverlayVpcs), keys_(kMaxOverlayVpcs) {}

OverlayState::Plan OverlayState::plan(const config::v1::Config& current, const config::v1::Config& next) const {
  Plan p;
  std::vector<std::string> vpcs;
  if (next.has_underlay())
    for (const auto& v : next.vpcs())
      if (v.vni()) vpcs.push_back(v.id());
  try {
    p.keys = keys_.plan(vpcs);
  } catch (const std::runtime_error&) {
    throw CompileError("more than " + std::to_string(kMaxOverlayVpcs) + " VPCs on the overlay");
  }
  p.binding.mappings = &table_;
  for (size_t i = 0; i < vpcs.size(); ++i) p.binding.vpc_keys.emplace(vpcs[i], static_cast<uint16_t>(p.keys.slots[i]));

  const auto before = entries(current), after = entries(next);
  for (const auto& [k, t] : before)
    if (!after.count(k))
      p.removals.push_back(Entry{current_keys_.at(k.first), t.addr, t.prefix_len, t.value});
  for (const auto& [k, t] : after) {
    auto old = before.find(k);
    if (old == before.end() || !(old->second == t))
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
  current_keys_ = std::move(p.binding.vpc_keys);
  keys_.commit(std::move(p.keys));
}

}  // namespace vfpath::control
