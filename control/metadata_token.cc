#include "control/metadata_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstring>
#include <stdexcept>

namespace vfpath::control {
namespace {

constexpr size_t kPayload = 2 + 8;          // slot, expiry (big-endian)
constexpr size_t kRaw = kPayload + 32;      // + HMAC-SHA256: 42 bytes = 56 base64 characters
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string encode(const uint8_t* p, size_t n) {  // n % 3 == 0
  std::string out;
  for (size_t i = 0; i + 2 < n; i += 3) {
    const uint32_t v = uint32_t{p[i]} << 16 | uint32_t{p[i + 1]} << 8 | p[i + 2];
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  return out;
}

bool decode(std::string_view text, uint8_t* out, size_t n) {
  if (text.size() != n / 3 * 4) return false;
  for (size_t i = 0, o = 0; i < text.size(); i += 4, o += 3) {
    uint32_t v = 0;
    for (size_t k = 0; k < 4; ++k) {
      const char* at = std::strchr(kAlphabet, text[i + k]);
      if (!at || text[i + k] == '\0') return false;
      v = v << 6 | static_cast<uint32_t>(at - kAlphabet);
    }
    out[o] = static_cast<uint8_t>(v >> 16);
    out[o + 1] = static_cast<uint8_t>(v >> 8);
    out[o + 2] = static_cast<uint8_t>(v);
  }
  return true;
}

void sign(const std::array<uint8_t, 32>& key, const uint8_t* payload, uint8_t* mac) {
  unsigned len = 32;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), payload, kPayload, mac, &len);
}

}  // namespace

TokenIssuer::TokenIssuer() {
  if (RAND_bytes(key_.data(), static_cast<int>(key_.size())) != 1)
    throw std::runtime_error("no randomness for the metadata service's token key");
}

std::string TokenIssuer::issue(uint32_t slot, uint64_t now_s, uint32_t ttl_s) const {
  uint8_t raw[kRaw];
  const uint64_t expiry = now_s + ttl_s;
  raw[0] = static_cast<uint8_t>(slot >> 8);
  raw[1] = static_cast<uint8_t>(slot);
  for (int i = 0; i < 8; ++i) raw[2 + i] = static_cast<uint8_t>(expiry >> (56 - 8 * i));
  sign(key_, raw, raw + kPayload);
  return encode(raw, kRaw);
}

std::optional<uint64_t> TokenIssuer::remaining(std::string_view token, uint32_t slot, uint64_t now_s) const {
  uint8_t raw[kRaw], mac[32];
  if (!decode(token, raw, kRaw)) return std::nullopt;
  sign(key_, raw, mac);
  if (CRYPTO_memcmp(mac, raw + kPayload, 32) != 0) return std::nullopt;
  if ((uint32_t{raw[0]} << 8 | raw[1]) != slot) return std::nullopt;
  uint64_t expiry = 0;
  for (int i = 0; i < 8; ++i) expiry = expiry << 8 | raw[2 + i];
  if (expiry <= now_s) return std::nullopt;
  return expiry - now_s;
}

}  // namespace vfpath::control
