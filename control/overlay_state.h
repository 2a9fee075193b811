// The overlay's long-lived state, owned by the config store: the mapping
// table — changed in place by every push that touches mappings or overlay
// routes, read lock-free by the workers through whichever snapshot they hold —
// and the stable key of each overlay VPC in it. Keys are stable slots by VPC
// id (counter_slots.h): a VPC keeps its key across pushes, and a key freed by
// a push is reused only from the next one, so no worker on an older snapshot
// can look a new VPC's entries up under an old VPC's key.
//
// Control thread only (the store's mutex); the table's readers are the workers.
#pragma once

#include <vector>

#include "control/compile.h"
#include "control/counter_slots.h"
#include "control/overlay_config.h"
#include "encap/mapping_table.h"

namespace vfpath::control {

struct Model;  // model.h

class OverlayState {
 public:
  explicit OverlayState(uint32_t max_entries);

  // One entry of the table: a host mapping (full-length prefix) or a route.
  struct Entry {
    uint16_t key = 0;  // the VPC's key
    encap::OverlayAddr addr;
    uint8_t prefix_len = 0;
    encap::Mapping value;
  };

  // What the table holds for one (VPC id, canonical prefix).
  struct Target {
    encap::OverlayAddr addr;
    uint8_t prefix_len = 0;
    encap::Mapping value;
    bool operator==(const Target&) const = default;
  };

  struct Plan {
    std::map<OverlayKey, Target> entries;  // every entry of `next`: what the table holds after apply()
    CounterSlots::Assignment keys;
    OverlayBinding binding;      // for compile_snapshot
    std::vector<Entry> removals;  // in the table, not in `next`
    std::vector<Entry> puts;      // new or changed in `next`
  };

  // What pushing `next` (a model without problems) changes against what
  // the table holds (nothing at start-up). Changes nothing. Throws
  // CompileError when more than kMaxOverlayVpcs VPCs need keys.
  Plan plan(const Model& next) const;

  // Applies the plan — removals first, so the table never holds more than
  // max(current, next) entries — and keeps its keys. Call after compiling
  // with plan.binding and before publishing that snapshot. Throws
  // std::logic_error if the table refuses an entry (a validated
  // configuration fits: validation bounds the entries by the capacity).
  void apply(Plan&& p);

  const encap::MappingTable& table() const { return table_; }
  uint32_t capacity() const { return capacity_; }

 private:
  static std::map<OverlayKey, Target> entries_of(const Model& m);

  uint32_t capacity_;
  encap::MappingTable table_;
  CounterSlots keys_;
  std::map<std::string, uint16_t> current_keys_;
  std::map<OverlayKey, Target> entries_;  // what the table holds
};

}  // namespace vfpath::control
