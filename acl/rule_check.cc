#include "acl/rule_check.h"

#include <string>

namespace acl {

Status check_rules(Family family, std::span<const Rule> rules) {
  for (size_t i = 0; i < rules.size(); ++i) {
    const Rule& r = rules[i];
    const std::string at = "rule " + std::to_string(i) + ": ";
    if (r.family != family) {
      return make_error(Errc::kInvalidArgument,
                        at + "address family differs from the classifier's (IPv" +
                            std::to_string(static_cast<int>(family)) + ")");
    }
    const uint8_t max_len = max_prefix_len(family);
    if (r.src_len > max_len || r.dst_len > max_len) {
      return make_error(Errc::kInvalidArgument,
                        at + "prefix length > /" + std::to_string(max_len));
    }
    if (r.sport.lo > r.sport.hi || r.dport.lo > r.dport.hi) {
      return make_error(Errc::kReversedPortRange, at + "port range lo > hi");
    }
  }
  return Ok{};
}

}  // namespace acl
