#include "dataplane/checksum.h"

#include <cstring>

namespace vfpath {

uint32_t checksum_partial(const void* data, std::size_t len, uint32_t initial) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint64_t sum = initial;
  while (len >= 2) {
    sum += static_cast<uint32_t>(p[0] << 8 | p[1]);
    p += 2;
    len -= 2;
  }
  if (len) sum += static_cast<uint32_t>(p[0] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint32_t>(sum);
}

bool ipv4_header_checksum_ok(const void* header, std::size_t header_len) {
  // One's-complement sums are byte-order independent (RFC 1071 §2(B)): add the
  // header as native 32-bit words and compare the fold with all-ones, which
  // reads the same either way. header_len is a multiple of 4 (IHL * 4).
  const auto* p = static_cast<const uint8_t*>(header);
  uint64_t sum = 0;
  for (std::size_t i = 0; i < header_len; i += 4) {
    uint32_t w;
    std::memcpy(&w, p + i, 4);
    sum += w;
  }
  sum = (sum & 0xffffffffu) + (sum >> 32);
  sum = (sum & 0xffffffffu) + (sum >> 32);
  uint32_t s32 = static_cast<uint32_t>(sum);
  uint32_t s16 = (s32 & 0xffff) + (s32 >> 16);
  s16 = (s16 & 0xffff) + (s16 >> 16);
  return s16 == 0xffff;
}

void ipv4_header_checksum_set(void* header, std::size_t header_len) {
  auto* p = static_cast<uint8_t*>(header);
  p[10] = p[11] = 0;
  be16 c = checksum_finish(checksum_partial(p, header_len));
  std::memcpy(p + 10, &c, 2);
}

be16 ipv6_l4_checksum(const uint8_t src[16], const uint8_t dst[16], uint8_t next_header,
                      const void* l4, std::size_t l4_len) {
  uint32_t sum = checksum_partial(src, 16);
  sum = checksum_partial(dst, 16, sum);
  uint8_t tail[8] = {static_cast<uint8_t>(l4_len >> 24), static_cast<uint8_t>(l4_len >> 16),
                     static_cast<uint8_t>(l4_len >> 8),  static_cast<uint8_t>(l4_len),
                     0, 0, 0, next_header};
  sum = checksum_partial(tail, sizeof tail, sum);
  sum = checksum_partial(l4, l4_len, sum);
  return checksum_finish(sum);
}

}  // namespace vfpath
