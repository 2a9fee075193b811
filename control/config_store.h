// The configuration in force and the one way to change it: apply() checks,
// validates, compiles and publishes a whole new configuration, all or
// nothing. Serialised by its own mutex (concurrent pushes each get a
// consistent answer); never touched by workers.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "control/address_set_state.h"
#include "control/compile.h"
#include "control/compile_cache.h"
#include "control/counter_slots.h"
#include "control/overlay_state.h"
#include "control/vfpath.pb.h"
#include "dataplane/snapshot_publisher.h"

namespace vfpath::control {

struct Model;  // model.h

struct ApplyOutcome {
  enum class Status {
    kApplied,
    kInvalid,
    kStale,
    kUnacknowledged,  // applied and in force, but a worker did not acknowledge it in time (stalled)
    kUnavailable,     // nothing applied: snapshots still wait for a stalled worker
  } status = Status::kApplied;
  std::vector<std::string> problems;  // kInvalid: "path: reason"; otherwise why
  uint64_t generation = 0;            // in force afterwards
  uint64_t micros = 0;                // validate + compile + publish
};

class ConfigStore {
 public:
  // Compiles and publishes `initial` (validated by the caller; throws
  // CompileError if it cannot be built). The ports (and their DPDK ids) are
  // fixed for the daemon's lifetime. Counter slots stay with their ENI and
  // NACL entry across pushes (counter_slots.h).
  // `ids`: how IDS rule sets are compiled (worker count for their scratch,
  // the on-disk database cache).
  ConfigStore(config::v1::Config initial, PortIds ports, SnapshotPublisher& publisher, const CounterSet& counters,
              IdsCompileSettings ids = {});

  ApplyOutcome apply(const config::v1::Config& next, std::optional<uint64_t> base_generation);
  // The delta applied to the configuration in force, then as apply().
  ApplyOutcome apply_delta(const config::v1::Delta& delta, std::optional<uint64_t> base_generation);
  config::v1::Config current() const;
  // Called with every snapshot this store publishes from now on, on the
  // publishing thread, under the store's lock: for state beside the
  // workers' that follows the configuration (the XDP programs' maps). A
  // listener that throws has its message in the push's outcome.
  void on_publish(std::function<void(const Snapshot&)> listener);

 private:
  std::vector<std::string> port_changes(const config::v1::Config& next) const;
  // apply() with the mutex held; `problems` from building `next` come first.
  ApplyOutcome apply_locked(const config::v1::Config& next, std::optional<uint64_t> base,
                            std::vector<std::string> problems);

  // Compiles `model` with stable counter slots (rebuilding only the
  // classifiers whose rules changed), brings the mapping table and the
  // address sets to its entries in place, and publishes it.
  SnapshotPublisher::Published compile_and_publish(const Model& model);

  mutable std::mutex mutex_;
  config::v1::Config current_;
  PortIds ports_;
  SnapshotPublisher& publisher_;
  const CounterSet& counters_;
  CounterSlots eni_slots_{kMaxEnis};
  CounterSlots hit_slots_{kMaxNaclHitSlots};
  OverlayState overlay_;  // the mapping table, sized by the initial underlay.max_mappings
  AddressSetState sets_;  // the security groups' member and prefix-list sets
  CompileCache cache_;    // classifiers of the configuration in force, by what they were built from
  std::function<void(const Snapshot&)> listener_;
  std::string listener_error_;  // what the listener threw at the last publish
};

}  // namespace vfpath::control
