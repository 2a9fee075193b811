// Internet checksums (RFC 1071) and their incremental update (RFC 1624).
// Pure functions over bytes; no DPDK, so the same code is unit-tested and runs
// on the fast path (rte_raw_cksum would do, but only with EAL headers around).
#pragma once

#include <cstddef>
#include <cstdint>

#include "packet/big_endian.h"

namespace vfpath {

// One's-complement sum of `len` bytes (network order words) folded to 16 bits,
// added to `initial` (a previous partial sum). Not inverted.
uint32_t checksum_partial(const void* data, std::size_t len, uint32_t initial = 0);

// Folds a 32-bit partial sum and inverts it: the value to store in a header.
inline be16 checksum_finish(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return be16::from_host(static_cast<uint16_t>(~sum & 0xffff));
}

// True when the IPv4 header (with options, `header_len` bytes) sums to zero.
bool ipv4_header_checksum_ok(const void* header, std::size_t header_len);

// Recomputes the IPv4 header checksum in place.
void ipv4_header_checksum_set(void* header, std::size_t header_len);

// RFC 1624 eqn. 3: the checksum after one 16-bit word of the covered data
// changed from `old_word` to `new_word` (both as read from the packet).
inline be16 checksum_adjust(be16 checksum, be16 old_word, be16 new_word) {
  uint32_t sum = static_cast<uint16_t>(~checksum.host()) + static_cast<uint16_t>(~old_word.host()) +
                 new_word.host();
  sum = (sum & 0xffff) + (sum >> 16);  // at most 3 * 0xffff: two folds suffice
  sum = (sum & 0xffff) + (sum >> 16);
  return be16::from_host(static_cast<uint16_t>(~sum & 0xffff));
}

// ICMPv6/TCP/UDP over IPv6: checksum of `l4_len` bytes at `l4` with the
// RFC 8200 §8.1 pseudo-header. The checksum field inside must be zero.
be16 ipv6_l4_checksum(const uint8_t src[16], const uint8_t dst[16], uint8_t next_header,
                      const void* l4, std::size_t l4_len);
// The same over IPv4 (RFC 768/793 pseudo-header). Over a segment whose
// checksum field is filled in, a right checksum gives 0 (both functions).
be16 ipv4_l4_checksum(const uint8_t src[4], const uint8_t dst[4], uint8_t protocol, const void* l4,
                      std::size_t l4_len);

}  // namespace vfpath
