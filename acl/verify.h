// Comparing classifier answers (userdata: rule index + 1, 0 = no match)
// with an oracle. Pure logic, shared by vfpath-classify and the tests.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "acl/result.h"

namespace acl {

// .expected values (0-based rule index, -1 = no match) as userdata.
std::vector<uint32_t> expected_to_userdata(std::span<const int64_t> expected);

// Index of the first position where got and want differ. A length
// difference counts as a mismatch at the shorter length.
std::optional<size_t> first_difference(std::span<const uint32_t> got,
                                       std::span<const uint32_t> want);

// "rule 17" for userdata 18, "no match" for 0.
std::string describe_userdata(uint32_t userdata);

}  // namespace acl
