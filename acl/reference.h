// Linear-scan reference classifier: the oracle the rte_acl classifier is
// checked against, and the baseline in the benchmarks. Pure C++, no EAL.
//
// Same contract as acl::Classifier::classify: per key, userdata = index + 1
// of the first (lowest-index) matching rule, or 0. O(rules) per key.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "acl/keys.h"
#include "acl/result.h"
#include "acl/rule.h"

namespace acl {

class LinearClassifier final {
 public:
  static Result<LinearClassifier> build(Family family, std::span<const Rule> rules);

  // keys point at Ipv4Key or Ipv6Key according to family(). Thread-safe
  // (const, no shared mutable state).
  void classify(const uint8_t* const* keys, uint32_t* userdata_out, uint32_t n) const;
  uint32_t match(const Ipv4Key& key) const;
  uint32_t match(const Ipv6Key& key) const;

  Family family() const { return family_; }
  size_t size() const { return rules_.size(); }

 private:
  // Addresses as 128-bit big-endian integers split in two host-order words
  // (IPv4 sits in the top 32 bits of hi), pre-masked.
  struct Compiled {
    uint64_t src_hi, src_lo, src_mask_hi, src_mask_lo;
    uint64_t dst_hi, dst_lo, dst_mask_hi, dst_mask_lo;
    uint16_t sport_lo, sport_hi, dport_lo, dport_hi;
    uint8_t proto, proto_mask;
  };
  uint32_t scan(uint64_t src_hi, uint64_t src_lo, uint64_t dst_hi, uint64_t dst_lo,
                uint16_t sport, uint16_t dport, uint8_t proto) const;

  Family family_ = Family::kIpv4;
  std::vector<Compiled> rules_;
};

}  // namespace acl
