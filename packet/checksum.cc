#include "packet/checksum.h"

#include <bit>
#include <cstring>

namespace vfpath {

static_assert(std::endian::native == std::endian::little, "checksum_partial swaps once for a little-endian host");

uint32_t checksum_partial(const void* data, std::size_t len, uint32_t initial) {
  // RFC 1071 §2(B): the one's-complement sum is byte-order independent up to
  // a final byte swap, so add native 32-bit words (eight bytes per step into a
  // 64-bit accumulator, carries folded at the end), then swap once.
  const auto* p = static_cast<const uint8_t*>(data);
  uint64_t sum = 0;
  while (len >= 8) {
    uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + 4, 4);
    sum += uint64_t{a} + b;
    p += 8;
    len -= 8;
  }
  if (len >= 4) {
    uint32_t a;
    std::memcpy(&a, p, 4);
    sum += a;
    p += 4;
    len -= 4;
  }
  if (len >= 2) {
    uint16_t a;
    std::memcpy(&a, p, 2);
    sum += a;
    p += 2;
    len -= 2;
  }
  if (len) sum += p[0];  // the odd byte is the high byte of a network-order word: low byte natively
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  uint32_t network = byte_swap(static_cast<uint16_t>(sum));  // little-endian host
  uint32_t total = network + initial;
  while (total >> 16) total = (total & 0xffff) + (total >> 16);
  return total;
}

bool ipv4_header_checksum_ok(const void* header, std::size_t header_len) {
  return checksum_partial(header, header_len) == 0xffff;  // a correct header sums to all ones
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

be16 ipv4_l4_checksum(const uint8_t src[4], const uint8_t dst[4], uint8_t protocol, const void* l4,
                      std::size_t l4_len) {
  uint32_t sum = checksum_partial(src, 4);
  sum = checksum_partial(dst, 4, sum);
  const uint8_t tail[4] = {0, protocol, static_cast<uint8_t>(l4_len >> 8), static_cast<uint8_t>(l4_len)};
  sum = checksum_partial(tail, sizeof tail, sum);
  return checksum_finish(checksum_partial(l4, l4_len, sum));
}

}  // namespace vfpath
