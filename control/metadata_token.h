// IMDSv2 session tokens: what PUT /latest/api/token hands out and a GET
// presents. A token is self-validating, so the service keeps no table that
// a VM could fill: base64url of (ENI slot, expiry, HMAC-SHA256 of both
// under a key drawn at start). It is good only for the ENI it was issued to
// (EC2: tokens are not shared between instances) and until its TTL ends;
// a restart of the daemon draws a new key, so older tokens stop working,
// as they would on EC2 after a stop. 56 characters, like EC2's.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vfpath::control {

inline constexpr uint32_t kMinTokenTtlS = 1;
inline constexpr uint32_t kMaxTokenTtlS = 21600;  // six hours (EC2)

class TokenIssuer {
 public:
  // A fresh random key (OpenSSL RAND_bytes); throws std::runtime_error without entropy.
  TokenIssuer();
  // A fixed key (tests).
  explicit TokenIssuer(const std::array<uint8_t, 32>& key) : key_(key) {}

  std::string issue(uint32_t slot, uint64_t now_s, uint32_t ttl_s) const;
  // Seconds the token has left for `slot` at `now_s`, or nullopt: malformed,
  // forged, another ENI's, or expired.
  std::optional<uint64_t> remaining(std::string_view token, uint32_t slot, uint64_t now_s) const;

 private:
  std::array<uint8_t, 32> key_{};
};

}  // namespace vfpath::control
