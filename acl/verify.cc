#include "acl/verify.h"

namespace acl {

std::vector<uint32_t> expected_to_userdata(std::span<const int64_t> expected) {
  std::vector<uint32_t> out;
  out.reserve(expected.size());
  for (int64_t e : expected) out.push_back(e < 0 ? 0 : static_cast<uint32_t>(e + 1));
  return out;
}

std::optional<size_t> first_difference(std::span<const uint32_t> got,
                                       std::span<const uint32_t> want) {
  const size_t n = got.size() < want.size() ? got.size() : want.size();
  for (size_t i = 0; i < n; ++i) {
    if (got[i] != want[i]) return i;
  }
  if (got.size() != want.size()) return n;
  return std::nullopt;
}

std::string describe_userdata(uint32_t userdata) {
  return userdata == 0 ? "no match" : "rule " + std::to_string(userdata - 1);
}

}  // namespace acl
