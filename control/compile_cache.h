// Compiled classifiers kept from one push to the next, keyed by what they
// were built from, so that a push rebuilds only the NACLs and security-group
// policies it changed: with a 10,000-entry NACL in force, a push that edits
// a security group no longer spends ~200 ms rebuilding that NACL's rte_acl.
// Entries are immutable and shared by every snapshot that uses them (the
// classifier objects are shared_ptr in NaclTable).
//
// Control thread only (the config store's mutex).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "control/ids_config.h"
#include "dataplane/snapshot.h"

namespace vfpath::control {

// One kind of compiled object by fingerprint. get() marks what a compile
// used; after a push is published, sweep() forgets the rest; after a push
// fails, rollback() forgets what that attempt built. So the cache holds what
// the configuration in force needs, and failed pushes (each of which may
// have built rte_acl contexts on the EAL heap) leave nothing behind.
template <typename T>
class CompileMemo {
 public:
  template <typename Build>
  std::shared_ptr<const T> get(const std::string& fingerprint, Build&& build) {
    auto it = entries_.find(fingerprint);
    if (it == entries_.end()) {
      it = entries_.emplace(fingerprint, Entry{std::make_shared<const T>(build()), false, true}).first;
      ++built_;
    }
    it->second.used = true;
    return it->second.value;
  }
  void sweep() {
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (!it->second.used) {
        it = entries_.erase(it);
      } else {
        it->second.used = it->second.fresh = false;
        ++it;
      }
    }
  }
  void rollback() {
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (it->second.fresh) {
        it = entries_.erase(it);
      } else {
        it->second.used = false;
        ++it;
      }
    }
  }
  size_t size() const { return entries_.size(); }
  // How many objects get() has built (a test's view of what a push rebuilt).
  uint64_t built() const { return built_; }

 private:
  struct Entry {
    std::shared_ptr<const T> value;
    bool used = false;
    bool fresh = false;  // built since the last sweep()
  };
  std::map<std::string, Entry> entries_;
  uint64_t built_ = 0;
};

struct CompileCache {
  CompileMemo<NaclEntry> nacls;      // hit slots not filled in: per snapshot
  CompileMemo<SgPolicy> sg_policies;
  // IDS rule sets by their text's digest: an unchanged rule set keeps its
  // database and per-worker scratch (and so its hit counters) across pushes.
  CompileMemo<IdsRuleset> ids_rulesets;
  IdsCompileSettings ids;  // how new ones are compiled
  void sweep() {
    nacls.sweep();
    sg_policies.sweep();
    ids_rulesets.sweep();
  }
  void rollback() {
    nacls.rollback();
    sg_policies.rollback();
    ids_rulesets.rollback();
  }
};

}  // namespace vfpath::control
