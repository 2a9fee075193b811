#include "acl/rte_layout.h"

#include <algorithm>
#include <cstddef>

#include "acl/keys.h"
#include "acl/cidr.h"

namespace acl::detail {
namespace {

rte_acl_field_def def(uint8_t type, uint8_t size, uint8_t field, uint8_t input,
                      uint32_t offset) {
  return rte_acl_field_def{
      .type = type, .size = size, .field_index = field, .input_index = input, .offset = offset};
}

uint32_t word(const Address& a, unsigned i) {
  return (uint32_t{a.bytes[4 * i]} << 24) | (uint32_t{a.bytes[4 * i + 1]} << 16) |
         (uint32_t{a.bytes[4 * i + 2]} << 8) | uint32_t{a.bytes[4 * i + 3]};
}

// Prefix length that falls into 32-bit word i of an address.
uint32_t word_len(uint8_t len, unsigned i) {
  return static_cast<uint32_t>(std::clamp<int>(int{len} - 32 * static_cast<int>(i), 0, 32));
}

void set_common(rte_acl_rule_data* data, size_t index) {
  data->category_mask = 1;
  data->priority = static_cast<int32_t>(RTE_ACL_MAX_PRIORITY - index);
  data->userdata = static_cast<uint32_t>(index + 1);
}

void set_range(rte_acl_field* f, const PortRange& r) {
  f->value.u16 = r.lo;
  f->mask_range.u16 = r.hi;
}

}  // namespace

rte_acl_config make_config(Family family, size_t max_size) {
  rte_acl_config cfg{};
  cfg.num_categories = 1;
  cfg.max_size = max_size;
  if (family == Family::kIpv4) {
    cfg.num_fields = kIpv4Fields;
    cfg.defs[0] = def(RTE_ACL_FIELD_TYPE_BITMASK, 1, 0, 0, offsetof(Ipv4Key, proto));
    cfg.defs[1] = def(RTE_ACL_FIELD_TYPE_MASK, 4, 1, 1, offsetof(Ipv4Key, src));
    cfg.defs[2] = def(RTE_ACL_FIELD_TYPE_MASK, 4, 2, 2, offsetof(Ipv4Key, dst));
    cfg.defs[3] = def(RTE_ACL_FIELD_TYPE_RANGE, 2, 3, 3, offsetof(Ipv4Key, sport));
    cfg.defs[4] = def(RTE_ACL_FIELD_TYPE_RANGE, 2, 4, 3, offsetof(Ipv4Key, dport));
    return cfg;
  }
  cfg.num_fields = kIpv6Fields;
  cfg.defs[0] = def(RTE_ACL_FIELD_TYPE_BITMASK, 1, 0, 0, offsetof(Ipv6Key, proto));
  for (uint8_t i = 0; i < 4; ++i) {
    cfg.defs[1 + i] = def(RTE_ACL_FIELD_TYPE_MASK, 4, static_cast<uint8_t>(1 + i),
                          static_cast<uint8_t>(1 + i), offsetof(Ipv6Key, src) + 4 * i);
    cfg.defs[5 + i] = def(RTE_ACL_FIELD_TYPE_MASK, 4, static_cast<uint8_t>(5 + i),
                          static_cast<uint8_t>(5 + i), offsetof(Ipv6Key, dst) + 4 * i);
  }
  cfg.defs[9] = def(RTE_ACL_FIELD_TYPE_RANGE, 2, 9, 9, offsetof(Ipv6Key, sport));
  cfg.defs[10] = def(RTE_ACL_FIELD_TYPE_RANGE, 2, 10, 9, offsetof(Ipv6Key, dport));
  return cfg;
}

std::vector<AclRule4> to_acl_rules4(std::span<const Rule> rules, size_t base) {
  std::vector<AclRule4> out(rules.size());
  for (size_t i = 0; i < rules.size(); ++i) {
    const Rule& r = rules[i];
    AclRule4& a = out[i];
    set_common(&a.data, base + i);
    a.field[0].value.u8 = r.proto & r.proto_mask;
    a.field[0].mask_range.u8 = r.proto_mask;
    a.field[1].value.u32 = mask_address(r.src, r.src_len).v4_host();
    a.field[1].mask_range.u32 = r.src_len;
    a.field[2].value.u32 = mask_address(r.dst, r.dst_len).v4_host();
    a.field[2].mask_range.u32 = r.dst_len;
    set_range(&a.field[3], r.sport);
    set_range(&a.field[4], r.dport);
  }
  return out;
}

std::vector<AclRule6> to_acl_rules6(std::span<const Rule> rules, size_t base) {
  std::vector<AclRule6> out(rules.size());
  for (size_t i = 0; i < rules.size(); ++i) {
    const Rule& r = rules[i];
    AclRule6& a = out[i];
    set_common(&a.data, base + i);
    a.field[0].value.u8 = r.proto & r.proto_mask;
    a.field[0].mask_range.u8 = r.proto_mask;
    const Address src = mask_address(r.src, r.src_len);
    const Address dst = mask_address(r.dst, r.dst_len);
    for (unsigned w = 0; w < 4; ++w) {
      a.field[1 + w].value.u32 = word(src, w);
      a.field[1 + w].mask_range.u32 = word_len(r.src_len, w);
      a.field[5 + w].value.u32 = word(dst, w);
      a.field[5 + w].mask_range.u32 = word_len(r.dst_len, w);
    }
    set_range(&a.field[9], r.sport);
    set_range(&a.field[10], r.dport);
  }
  return out;
}

}  // namespace acl::detail
