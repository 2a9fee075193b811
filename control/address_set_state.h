// The security groups' address sets (dataplane/address_sets.h) as the config
// store keeps them across pushes: one long-lived table changed in place by
// every push that changes a group's members or a prefix list, and the stable
// key of each set in it. Keys are stable slots by set name (counter_slots.h):
// a set keeps its key while it exists, and a key freed by a push is reused
// only from the next one. A push that needs more entries than the table holds
// gets a new table twice its size, filled before it is published; snapshots
// still running on the old table keep it alive until they are freed.
//
// Control thread only (the store's mutex); the table's readers are the workers.
#pragma once

#include <memory>
#include <vector>

#include "control/compile.h"
#include "control/counter_slots.h"
#include "control/vfpath.pb.h"
#include "dataplane/address_sets.h"

namespace vfpath::control {

class AddressSetState {
 public:
  struct Entry {
    uint16_t key = 0;
    PrefixAddr addr;
    uint8_t prefix_len = 0;
  };

  struct Plan {
    CounterSlots::Assignment keys;
    SetBinding binding;                   // for compile_snapshot
    std::shared_ptr<AddressSets> fresh;   // set when the table grows: already filled
    std::vector<Entry> removals, puts;    // otherwise: the in-place delta
  };

  // What pushing `next` changes against `current` (the configuration whose
  // sets the table holds; empty at start-up). Both validated. Changes nothing
  // in force. Throws CompileError when the sets need more than
  // AddressSets::kMaxSets keys.
  Plan plan(const config::v1::Config& current, const config::v1::Config& next) const;

  // Applies the plan (removals first) and keeps its keys. Call after
  // compiling with plan.binding and before publishing that snapshot.
  void apply(Plan&& p);

  const AddressSets* table() const { return table_.get(); }

 private:
  std::shared_ptr<AddressSets> table_;
  CounterSlots keys_{AddressSets::kMaxSets};
  std::map<std::string, uint16_t> current_keys_;  // set name -> key, as in the table
};

// The sets of `config` in a table of their own, keys 0..n-1: for compiling a
// configuration outside the config store (tests, tools).
SetBinding standalone_address_sets(const config::v1::Config& config);

}  // namespace vfpath::control
