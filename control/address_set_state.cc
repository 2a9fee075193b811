#include "control/address_set_state.h"

#include <algorithm>
#include <set>
#include <stdexcept>
#include <tuple>

#include "control/sg_config.h"
#include "control/text_address.h"

namespace vfpath::control {
namespace {

// A set's entries as (family, address, length), canonical and sorted, so two
// configurations compare entry by entry.
using Canonical = std::tuple<bool, uint64_t, uint64_t, uint8_t>;
using SetEntries = std::map<std::string, std::set<Canonical>>;

SetEntries entries_of(const config::v1::Config& c) {
  SetEntries out;
  for (const auto& [name, cidrs] : SgModel(c).address_sets()) {
    auto& set = out[name];
    for (const auto& text : cidrs) {
      const PrefixParse p = parse_prefix(text);
      if (!p.ok) throw std::logic_error("address sets: unvalidated CIDR " + text + " in " + name);
      PrefixAddr a;
      a.ipv6 = p.is_v6;
      if (p.is_v6) std::copy(p.v6.addr.bytes.begin(), p.v6.addr.bytes.end(), a.addr.bytes);
      else a.addr.words[0] = p.v4.addr.value.raw();
      set.emplace(a.ipv6, a.addr.qwords[0], a.addr.qwords[1], p.is_v6 ? p.v6.len : p.v4.len);
    }
  }
  return out;
}

AddressSetState::Entry entry(uint16_t key, const Canonical& c) {
  AddressSetState::Entry e;
  e.key = key;
  e.addr.ipv6 = std::get<0>(c);
  e.addr.addr.qwords[0] = std::get<1>(c);
  e.addr.addr.qwords[1] = std::get<2>(c);
  e.prefix_len = std::get<3>(c);
  return e;
}

void put_all(AddressSets& table, const std::vector<AddressSetState::Entry>& puts) {
  for (const auto& e : puts) {
    const auto r = table.put(e.key, e.addr, e.prefix_len);
    if (r != PrefixUpdate::kAdded && r != PrefixUpdate::kReplaced)
      throw std::logic_error("address sets: the table refused an entry it has room for");
  }
}

}  // namespace

AddressSetState::Plan AddressSetState::plan(const config::v1::Config& current, const config::v1::Config& next) const {
  Plan p;
  const SetEntries before = entries_of(current), after = entries_of(next);
  std::vector<std::string> names;
  size_t total = 0;
  for (const auto& [name, set] : after) {
    names.push_back(name);
    total += set.size();
  }
  try {
    p.keys = keys_.plan(names);
  } catch (const std::runtime_error&) {
    throw CompileError("more than " + std::to_string(AddressSets::kMaxSets) +
                       " address sets (security groups and prefix lists)");
  }
  for (size_t i = 0; i < names.size(); ++i) p.binding.keys.emplace(names[i], static_cast<uint16_t>(p.keys.slots[i]));

  // In place while both configurations fit: removals first, so the table
  // never holds more than max(before, after) entries.
  const bool grow = !table_ || total > table_->capacity();
  for (const auto& [name, set] : after) {
    const uint16_t key = p.binding.keys.at(name);
    auto old = before.find(name);
    for (const Canonical& c : set)
      if (grow || old == before.end() || !old->second.count(c)) p.puts.push_back(entry(key, c));
  }
  if (grow) {
    const uint32_t capacity = static_cast<uint32_t>(std::max<size_t>(4096, total * 2));
    p.fresh = std::make_shared<AddressSets>(capacity);
    put_all(*p.fresh, p.puts);
    p.puts.clear();
    p.binding.table = p.fresh;
    return p;
  }
  for (const auto& [name, set] : before) {
    auto now = after.find(name);
    const uint16_t key = current_keys_.at(name);
    for (const Canonical& c : set)
      if (now == after.end() || !now->second.count(c)) p.removals.push_back(entry(key, c));
  }
  p.binding.table = table_;
  return p;
}

void AddressSetState::apply(Plan&& p) {
  if (p.fresh) {
    table_ = std::move(p.fresh);
  } else {
    for (const auto& e : p.removals)
      if (table_->remove(e.key, e.addr, e.prefix_len) != PrefixUpdate::kRemoved)
        throw std::logic_error("address sets: an entry in force was not in the table");
    put_all(*table_, p.puts);
  }
  current_keys_ = std::move(p.binding.keys);
  keys_.commit(std::move(p.keys));
}

SetBinding standalone_address_sets(const config::v1::Config& config) {
  AddressSetState state;
  AddressSetState::Plan p = state.plan(config::v1::Config{}, config);
  SetBinding binding = p.binding;
  state.apply(std::move(p));
  return binding;
}

}  // namespace vfpath::control
