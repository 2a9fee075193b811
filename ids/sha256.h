// SHA-256 (OpenSSL libcrypto), for cache keys: a rule set's cached database is
// found by the digest of its text, so a collision would load the wrong rules.
// Control path only.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace vfpath::ids {

std::array<uint8_t, 32> sha256(std::string_view data);
std::string sha256_hex(std::string_view data);

}  // namespace vfpath::ids
