// Compiles a validated configuration into the immutable snapshot the workers
// read. Runs on the control thread; the fast path never sees protobuf.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "control/vfpath.pb.h"
#include "dataplane/snapshot.h"

namespace vfpath::control {

// Port name (as in the config) -> DPDK port id it was probed as.
using PortIds = std::map<std::string, uint16_t>;

// Precondition: validate_config(config) returned no errors and `ports` has an
// id for every port of the config. Throws std::logic_error if either is not
// so (a bug, not bad input).
std::unique_ptr<Snapshot> compile_snapshot(const config::v1::Config& config, const PortIds& ports);

}  // namespace vfpath::control
