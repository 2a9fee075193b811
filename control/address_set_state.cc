#include "control/address_set_state.h"

#include <algorithm>
#include <set>
#include <stdexcept>
#include <tuple>

#include "control/model.h"
#include "control/sg_config.h"

namespace vfpath::control {
namespace {

using Canonical = AddressSetState::Canonical;
using SetEntries = AddressSetState::SetEntries;

SetEntries entries_of(const Model& m) {
  SetEntries out;
  for (const auto& [name, cidrs] : SgModel(m).address_sets()) {
    auto& set = out[name];
    for (const acl::Cidr& c : cidrs) {
      PrefixAddr a;
      a.ipv6 = c.family == acl::Family::kIpv6;
      std::copy(c.addr.bytes.begin(), c.addr.bytes.end(), a.addr.bytes);  // IPv4: bytes 0..3, the rest zero
      set.emplace(a.ipv6, a.addr.qwords[0], a.addr.qwords[1], c.len);
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

AddressSetState::Plan AddressSetState::plan(const Model& next) const {
  Plan p;
  p.entries = entries_of(next);
  const SetEntries& before = entries_;
  std::vector<std::string> names;
  size_t total = 0;
  for (const auto& [name, set] : p.entries) {
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

  const bool grow = !table_ || total > table_->capacity();
  for (const auto& [name, set] : p.entries) {
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
    auto now = p.entries.find(name);
    const uint16_t key = current_keys_.at(name);
    for (const Canonical& c : set)
      if (now == p.entries.end() || !now->second.count(c)) p.removals.push_back(entry(key, c));
  }
  p.binding.table = table_;
  return p;
}

void AddressSetState::apply(Plan&& p) {
  auto remove_all = [&] {
    for (const auto& e : p.removals)
      if (table_->remove(e.key, e.addr, e.prefix_len) != PrefixUpdate::kRemoved)
        throw std::logic_error("address sets: an entry in force was not in the table");
  };
  if (p.fresh) {
    table_ = std::move(p.fresh);
  } else if (table_->size() + p.puts.size() <= table_->capacity()) {
    // Puts first: a list reshaped from 10.0.0.0/8 into two /9s never has a
    // moment where an address both shapes contain is missing.
    put_all(*table_, p.puts);
    remove_all();
  } else {
    remove_all();  // room only once the removals are done
    put_all(*table_, p.puts);
  }
  entries_ = std::move(p.entries);
  current_keys_ = std::move(p.binding.keys);
  keys_.commit(std::move(p.keys));
}

SetBinding standalone_address_sets(const Model& model) {
  AddressSetState state;
  AddressSetState::Plan p = state.plan(model);
  SetBinding binding = p.binding;
  state.apply(std::move(p));
  return binding;
}

}  // namespace vfpath::control
