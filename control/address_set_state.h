// The security groups' address sets (acl/address_sets.h) as the config
// store keeps them across pushes: one long-lived table changed in place by
// every push that changes a group's members or a prefix list, and the stable
// key of each set in it. Keys are stable slots by set name (counter_slots.h):
// a set keeps its key while it exists, and a key freed by a push is reused
// only from the next one. A push that needs more entries than the table holds
// gets a new table with room for twice what it needs (at least 4,096),
// filled before it is published; snapshots still running on the old table
// keep it alive until they are freed.
//
// Control thread only (the store's mutex); the table's readers are the workers.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "control/compile.h"
#include "control/counter_slots.h"
#include "acl/address_sets.h"

namespace vfpath::control {

struct Model;  // model.h

class AddressSetState {
 public:
  // A set's entries as (family, address, length), canonical and sorted, so
  // two configurations compare entry by entry.
  using Canonical = std::tuple<bool, uint64_t, uint64_t, uint8_t>;
  using SetEntries = std::map<std::string, std::set<Canonical>>;

  struct Entry {
    uint16_t key = 0;
    PrefixAddr addr;
    uint8_t prefix_len = 0;
  };

  struct Plan {
    SetEntries entries;                   // every set of `next`: what the table holds after apply()
    CounterSlots::Assignment keys;
    SetBinding binding;                   // for compile_snapshot
    std::shared_ptr<AddressSets> fresh;   // set when the table grows: already filled
    std::vector<Entry> removals, puts;    // otherwise: the in-place delta
  };

  // What pushing `next` (a model without problems) changes against the sets the table
  // holds (none at start-up). Changes nothing in force. Throws CompileError
  // when the sets need more than AddressSets::kMaxSets keys.
  Plan plan(const Model& next) const;

  // Applies the plan and keeps its keys and entries. Call after compiling
  // with plan.binding and before publishing that snapshot. Puts go first
  // when the table has room for both, so an address in a set before and
  // after the push is never missing in between; else removals go first.
  void apply(Plan&& p);

  const AddressSets* table() const { return table_.get(); }

 private:
  std::shared_ptr<AddressSets> table_;
  CounterSlots keys_{AddressSets::kMaxSets};
  std::map<std::string, uint16_t> current_keys_;  // set name -> key, as in the table
  SetEntries entries_;                             // what the table holds, by set name
};

// The sets of `model` in a table of their own, keys 0..n-1: for compiling a
// configuration outside the config store (tests, tools).
SetBinding standalone_address_sets(const Model& model);

}  // namespace vfpath::control
