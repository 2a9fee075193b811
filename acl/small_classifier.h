// A classifier for small rule sets (at most kMaxRules, e.g. a NACL within
// its quota): sixteen packets in the lanes of AVX-512 registers, each rule
// broadcast and compared with all of them at once, each lane keeping the
// lowest matching rule. rte_acl spends 50-80 cycles per packet even on
// 20 rules (its trie walk has a fixed cost); this spends a few
// (bench/dataplane). A first version put 16 rules in the lanes and compared
// one packet at a time: 55 cycles per packet per 20-entry NACL, measured.
//
// Same contract as Classifier::classify: userdata = index + 1 of the first
// matching rule, 0 for none. Pure C++ (no EAL). The SIMD variant is chosen
// once, at build, from what the CPU supports; `force_scalar` is for tests
// and benchmarks. Immutable after build; classify is thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "acl/keys.h"
#include "acl/result.h"
#include "acl/rule.h"

namespace acl {

class SmallClassifier final {
 public:
  static constexpr uint32_t kMaxRules = 64;

  // kTooManyRules beyond kMaxRules; kInvalidArgument for a rule of the other
  // family or a prefix length beyond the family's.
  static Result<SmallClassifier> build(Family family, std::span<const Rule> rules, bool force_scalar = false);

  void classify(const uint8_t* const* keys, uint32_t* userdata_out, uint32_t n) const {
    match_(*lanes_, keys, userdata_out, n);
  }

  Family family() const { return family_; }
  bool simd() const { return simd_; }

  struct Lanes;  // column layout, 64-byte aligned (small_classifier.cc)

 private:
  using MatchFn = void (*)(const Lanes&, const uint8_t* const*, uint32_t*, uint32_t);
  std::shared_ptr<const Lanes> lanes_;
  MatchFn match_ = nullptr;
  Family family_ = Family::kIpv4;
  bool simd_ = false;
};

}  // namespace acl
