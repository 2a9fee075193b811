// Stable counter slots across pushes. Per-lcore counters live in fixed
// arrays indexed by slot; a slot must keep meaning the same object (an ENI,
// a NACL entry) from one snapshot to the next, or a push would move counts
// from one ENI to another. Slots are assigned by key (ENI id; NACL id +
// direction + family + rule number): a key seen in the previous assignment
// keeps its slot; a new key gets a free one. A slot freed by a push is reused
// only from the push after, so no worker still running on the old snapshot
// can count into it for its new owner. A reused slot still holds its old
// owner's counts: the caller records them as the new owner's baseline.
// Control thread only (the ConfigStore's mutex).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "dataplane/counters.h"
#include "dataplane/snapshot.h"

namespace vfpath::control {

class CounterSlots {
 public:
  explicit CounterSlots(uint32_t capacity) : capacity_(capacity) {}

  struct State {
    uint32_t never_used = 0;                // slots [never_used, capacity) were never assigned
    std::map<std::string, uint32_t> owner;  // key -> slot
    std::set<uint32_t> free;                // freed at least one push ago
    std::set<uint32_t> quarantined;         // freed by the last push
  };

  struct Assignment {
    std::vector<uint32_t> slots;  // per key, in order
    std::vector<bool> reused;     // the slot had an earlier owner: take a baseline
    State next;                   // the state to commit() once the push is in force
  };

  // Plans slots for `keys` without changing anything. Throws
  // std::runtime_error when the keys need more than `capacity` slots.
  Assignment plan(const std::vector<std::string>& keys) const;
  void commit(Assignment&& a) { state_ = std::move(a.next); }

 private:
  uint32_t capacity_;
  State state_;
};

// Gives the ENIs and NACL entries of a compiled snapshot their stable slots
// (by ENI id; by NACL id, direction, family and rule number) and records the
// baseline of every reused slot from `counters`. Returns the assignments to
// commit once the snapshot is published. Throws std::runtime_error when the
// slots run out.
struct SlotAssignments {
  CounterSlots::Assignment enis, nacl_hits;
};
SlotAssignments assign_counter_slots(Snapshot& s, const CounterSlots& eni_slots, const CounterSlots& hit_slots,
                                     const CounterSet& counters);

}  // namespace vfpath::control
