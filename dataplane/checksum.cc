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
  uint32_t sum = checksum_partial(header, header_len);
  return sum == 0xffff;
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
