// The fast-path 5-tuple classifier: an immutable rte_acl context built off
// the fast path from a vector of Rules (one address family).
//
// Lifecycle (control thread): Classifier::build() -> publish the object
// (e.g. by one pointer store) -> any number of worker threads call
// classify() concurrently -> after a grace period, destroy it. Rebuilding
// for changed rules means building a new Classifier; an existing one never
// changes its answers.
//
// Requires an initialised EAL (rte_acl allocates with rte_malloc).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "acl/keys.h"
#include "acl/method.h"
#include "acl/result.h"
#include "acl/rule.h"

struct rte_acl_ctx;

namespace acl {

inline constexpr uint32_t kMaxShards = 8;

struct BuildOptions {
  Method method = Method::kAuto;  // forced method: error if unavailable
  // rte_acl_config::max_size: cap on run-time trie memory in bytes per
  // context, 0 = no cap. With a cap rte_acl splits the rules into more
  // tries (slower classify, less memory) until the cap is met, or fails the
  // build with -ERANGE.
  size_t max_size = 0;
  // 1..kMaxShards. >1 splits the rule vector into that many contiguous
  // chunks, one rte_acl context each; classify() asks them in order and
  // keeps the first match, so answers are identical. Trades classify speed
  // for build time and memory on large, wildcard-heavy sets (fw1_100K: 4
  // shards use 337 MiB instead of 822 MiB; acl/README.md).
  uint32_t shards = 1;
};

struct BuildStats {
  size_t rules = 0;
  uint32_t contexts = 0;       // rte_acl contexts (shards; 0 for no rules)
  uint64_t build_ns = 0;       // rte_acl_create + add_rules + build, all shards
  size_t memory_bytes = 0;     // rte_malloc heap growth across the build
                               // (context, rule copy, tries); approximate
                               // if other threads rte_malloc meanwhile
  Method method = Method::kAuto;  // the method classify() uses (kAuto
                                  // for an empty rule set: no rte_acl context)
};

class Classifier final {
 public:
  // Builds rules (priority = position, userdata = index + 1). Errors:
  // kInvalidArgument / kReversedPortRange naming the rule index,
  // kInvalidArgument for shards outside 1..kMaxShards, kTooManyRules,
  // kUnsupportedMethod, kDpdk (rte_acl failure with errno text). An empty
  // rule vector is valid: everything classifies as 0. Builds of different
  // classifiers may run concurrently (each owns its contexts; rte_acl_create
  // takes EAL's tailq lock). Control path only: ms for NACL-sized sets, up
  // to tens of seconds for 100K rules (acl/README.md).
  static Result<Classifier> build(Family family, std::span<const Rule> rules,
                                  const BuildOptions& options = {});

  Classifier(Classifier&& other) noexcept;
  Classifier& operator=(Classifier&& other) noexcept;
  Classifier(const Classifier&) = delete;
  Classifier& operator=(const Classifier&) = delete;
  ~Classifier();

  // Per key: userdata of the highest-priority (lowest-index) matching rule,
  // or 0 for no match. keys[i] points at an Ipv4Key or Ipv6Key matching
  // family(). Thread-safe; no allocation, locks, logging or exceptions.
  void classify(const uint8_t* const* keys, uint32_t* userdata_out, uint32_t n) const {
    if (num_ctx_ == 1) {
      classify_single(keys, userdata_out, n);
    } else {
      classify_multi(keys, userdata_out, n);  // 0 (no rules) or several shards
    }
  }

  // Switches the classify method (benchmarks, --method); no-op for an empty
  // rule set. Not thread-safe: only on an object no worker uses yet.
  // kUnsupportedMethod if the CPU / EAL SIMD width does not allow it.
  Status set_method(Method method);

  Family family() const { return family_; }
  const BuildStats& stats() const { return stats_; }

  // Methods this CPU + EAL accept, fastest first (probes a tiny context).
  static std::vector<Method> available_methods();

 private:
  Classifier() = default;
  void classify_single(const uint8_t* const* keys, uint32_t* userdata_out, uint32_t n) const;
  void classify_multi(const uint8_t* const* keys, uint32_t* userdata_out, uint32_t n) const;
  void release();

  std::array<rte_acl_ctx*, kMaxShards> ctx_{};  // owned, [0, num_ctx_)
  uint32_t num_ctx_ = 0;  // 0 when built from no rules
  Family family_ = Family::kIpv4;
  BuildStats stats_;
};

}  // namespace acl
