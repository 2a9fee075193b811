// The configuration in force and the one way to change it: apply() checks,
// validates, compiles and publishes a whole new configuration, all or
// nothing. Serialised by its own mutex (concurrent pushes each get a
// consistent answer); never touched by workers.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "control/compile.h"
#include "control/vfpath.pb.h"
#include "dataplane/snapshot_publisher.h"

namespace vfpath::control {

struct ApplyOutcome {
  enum class Status { kApplied, kInvalid, kStale } status = Status::kApplied;
  std::vector<std::string> problems;  // kInvalid: "path: reason"; kStale: why
  uint64_t generation = 0;            // in force afterwards
  uint64_t micros = 0;                // validate + compile + publish
};

class ConfigStore {
 public:
  // `initial` was validated and its snapshot published by the caller; the
  // ports (and their DPDK ids) are fixed for the daemon's lifetime.
  ConfigStore(config::v1::Config initial, PortIds ports, SnapshotPublisher& publisher);

  ApplyOutcome apply(const config::v1::Config& next, std::optional<uint64_t> base_generation);
  // The delta applied to the configuration in force, then as apply().
  ApplyOutcome apply_delta(const config::v1::Delta& delta, std::optional<uint64_t> base_generation);
  config::v1::Config current() const;

 private:
  std::vector<std::string> port_changes(const config::v1::Config& next) const;
  // apply() with the mutex held; `problems` from building `next` come first.
  ApplyOutcome apply_locked(const config::v1::Config& next, std::optional<uint64_t> base,
                            std::vector<std::string> problems);

  mutable std::mutex mutex_;
  config::v1::Config current_;
  PortIds ports_;
  SnapshotPublisher& publisher_;
};

}  // namespace vfpath::control
