#include "acl/reference.h"

#include "acl/rule_check.h"

namespace acl {
namespace {

uint64_t load_be64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

// Mask with the top len bits of a 128-bit value set, as (hi, lo).
void prefix_mask(unsigned len, uint64_t* hi, uint64_t* lo) {
  *hi = len == 0 ? 0 : len >= 64 ? ~uint64_t{0} : ~uint64_t{0} << (64 - len);
  *lo = len <= 64 ? 0 : len >= 128 ? ~uint64_t{0} : ~uint64_t{0} << (128 - len);
}

}  // namespace

Result<LinearClassifier> LinearClassifier::build(Family family, std::span<const Rule> rules) {
  if (auto st = check_rules(family, rules); !st) return st.error();
  LinearClassifier c;
  c.family_ = family;
  c.rules_.reserve(rules.size());
  for (const Rule& r : rules) {
    Compiled k{};
    prefix_mask(r.src_len, &k.src_mask_hi, &k.src_mask_lo);
    prefix_mask(r.dst_len, &k.dst_mask_hi, &k.dst_mask_lo);
    k.src_hi = load_be64(r.src.bytes.data()) & k.src_mask_hi;
    k.src_lo = load_be64(r.src.bytes.data() + 8) & k.src_mask_lo;
    k.dst_hi = load_be64(r.dst.bytes.data()) & k.dst_mask_hi;
    k.dst_lo = load_be64(r.dst.bytes.data() + 8) & k.dst_mask_lo;
    k.sport_lo = r.sport.lo;
    k.sport_hi = r.sport.hi;
    k.dport_lo = r.dport.lo;
    k.dport_hi = r.dport.hi;
    k.proto_mask = r.proto_mask;
    k.proto = r.proto & r.proto_mask;
    c.rules_.push_back(k);
  }
  return c;
}

uint32_t LinearClassifier::scan(uint64_t src_hi, uint64_t src_lo, uint64_t dst_hi,
                                uint64_t dst_lo, uint16_t sport, uint16_t dport,
                                uint8_t proto) const {
  for (size_t i = 0; i < rules_.size(); ++i) {
    const Compiled& k = rules_[i];
    if ((src_hi & k.src_mask_hi) == k.src_hi && (src_lo & k.src_mask_lo) == k.src_lo &&
        (dst_hi & k.dst_mask_hi) == k.dst_hi && (dst_lo & k.dst_mask_lo) == k.dst_lo &&
        sport >= k.sport_lo && sport <= k.sport_hi && dport >= k.dport_lo &&
        dport <= k.dport_hi && (proto & k.proto_mask) == k.proto) {
      return static_cast<uint32_t>(i + 1);
    }
  }
  return 0;
}

uint32_t LinearClassifier::match(const Ipv4Key& key) const {
  return scan(uint64_t{ntohl(key.src)} << 32, 0, uint64_t{ntohl(key.dst)} << 32, 0,
              ntohs(key.sport), ntohs(key.dport), key.proto);
}

uint32_t LinearClassifier::match(const Ipv6Key& key) const {
  return scan(load_be64(key.src), load_be64(key.src + 8), load_be64(key.dst),
              load_be64(key.dst + 8), ntohs(key.sport), ntohs(key.dport), key.proto);
}

void LinearClassifier::classify(const uint8_t* const* keys, uint32_t* userdata_out,
                                uint32_t n) const {
  if (family_ == Family::kIpv4) {
    for (uint32_t i = 0; i < n; ++i) {
      userdata_out[i] = match(*reinterpret_cast<const Ipv4Key*>(keys[i]));
    }
  } else {
    for (uint32_t i = 0; i < n; ++i) {
      userdata_out[i] = match(*reinterpret_cast<const Ipv6Key*>(keys[i]));
    }
  }
}

}  // namespace acl
