// Compiles a validated configuration into the immutable snapshot the workers
// read. Runs on the control thread; the fast path never sees protobuf.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include "control/vfpath.pb.h"
#include "acl/address_sets.h"
#include "dataplane/snapshot.h"
#include "encap/mapping_table.h"

namespace vfpath::control {

// Port name (as in the config) -> DPDK port id it was probed as.
using PortIds = std::map<std::string, uint16_t>;

// A valid configuration that cannot be built here (a classifier rte_acl
// cannot build: memory, or too many rule counters).
class CompileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What the overlay part of a snapshot refers to outside it (overlay_state.h):
// the long-lived mapping table and the key of each overlay VPC in it.
struct OverlayBinding {
  const encap::MappingTable* mappings = nullptr;
  std::map<std::string, uint16_t> vpc_keys;  // VPC id (with a VNI) -> key
};

// What the security groups' set rules refer to outside the snapshot
// (address_set_state.h): the long-lived address-set table and the key of
// every set (sg_config.h names them) in it.
struct SetBinding {
  std::shared_ptr<const AddressSets> table;
  std::map<std::string, uint16_t> keys;
};

struct CompileCache;  // compile_cache.h
struct Model;         // model.h

// Precondition: `model` has no problems (build_model, model.h) and `ports` has
// an id for every port of it; with an underlay, `overlay` binds every
// VPC with a VNI; `sets`, when it has a table, binds every address set of the
// config (without one, the snapshot gets a table of its own). Throws
// std::logic_error if any is not so (a bug, not bad input), CompileError for
// resource limits. With a `cache`, classifiers built from the same rules as
// before are reused. Network ACLs with entries need EAL (rte_acl allocates
// from its heap).
std::unique_ptr<Snapshot> compile_snapshot(const Model& model, const PortIds& ports,
                                           const OverlayBinding& overlay = {}, const SetBinding& sets = {},
                                           CompileCache* cache = nullptr);
// The same from the schema message: builds its model first, and throws
// std::logic_error if it has a problem (callers that take input from users
// build the model themselves and report its problems).
std::unique_ptr<Snapshot> compile_snapshot(const config::v1::Config& config, const PortIds& ports,
                                           const OverlayBinding& overlay = {}, const SetBinding& sets = {},
                                           CompileCache* cache = nullptr);

}  // namespace vfpath::control
