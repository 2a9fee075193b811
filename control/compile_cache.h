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

#include "dataplane/snapshot.h"

namespace vfpath::control {

// One kind of compiled object by fingerprint. get() marks what a compile
// used; sweep() forgets the rest, so the cache holds at most what the
// configuration in force (and a failed attempt after it) needs.
template <typename T>
class CompileMemo {
 public:
  template <typename Build>
  std::shared_ptr<const T> get(const std::string& fingerprint, Build&& build) {
    auto it = entries_.find(fingerprint);
    if (it == entries_.end()) {
      it = entries_.emplace(fingerprint, Entry{std::make_shared<const T>(build()), false}).first;
      ++built_;
    }
    it->second.used = true;
    return it->second.value;
  }
  void sweep() {
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (!it->second.used) it = entries_.erase(it);
      else (it++)->second.used = false;
    }
  }
  size_t size() const { return entries_.size(); }
  // How many objects get() has built (a test's view of what a push rebuilt).
  uint64_t built() const { return built_; }

 private:
  struct Entry {
    std::shared_ptr<const T> value;
    bool used = false;
  };
  std::map<std::string, Entry> entries_;
  uint64_t built_ = 0;
};

struct CompileCache {
  CompileMemo<NaclEntry> nacls;      // hit slots not filled in: per snapshot
  CompileMemo<SgPolicy> sg_policies;
  void sweep() {
    nacls.sweep();
    sg_policies.sweep();
  }
};

}  // namespace vfpath::control
