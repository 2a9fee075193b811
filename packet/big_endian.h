// Big-endian integers as they sit on the wire. A distinct type per width so a
// host-order value cannot be stored into a header field, or compared with one,
// without saying which conversion is meant (the habit of BESS utils/endian.h).
#pragma once

#include <cstdint>

namespace vfpath {

template <typename T>
constexpr T byte_swap(T v) {
  if constexpr (sizeof(T) == 1) return v;
  else if constexpr (sizeof(T) == 2) return static_cast<T>(__builtin_bswap16(v));
  else if constexpr (sizeof(T) == 4) return static_cast<T>(__builtin_bswap32(v));
  else return static_cast<T>(__builtin_bswap64(v));
}

// Trivial (no constructor, no initialiser) so that it may sit in packed wire
// structs; `be16{}` is zero.
template <typename T>
class __attribute__((packed)) BigEndian {
 public:
  static constexpr BigEndian from_host(T host_value) {
    BigEndian b;
    b.raw_ = byte_swap(host_value);
    return b;
  }
  static constexpr BigEndian from_raw(T raw) {
    BigEndian b;
    b.raw_ = raw;
    return b;
  }
  constexpr T host() const { return byte_swap(raw_); }
  // The value as stored in memory (network order), for hashing and copying.
  constexpr T raw() const { return raw_; }
  constexpr bool operator==(const BigEndian&) const = default;

 private:
  T raw_;
};

using be16 = BigEndian<uint16_t>;
using be32 = BigEndian<uint32_t>;
using be64 = BigEndian<uint64_t>;
static_assert(sizeof(be16) == 2 && sizeof(be32) == 4 && sizeof(be64) == 8);

constexpr be16 operator""_be16(unsigned long long v) { return be16::from_host(static_cast<uint16_t>(v)); }
constexpr be32 operator""_be32(unsigned long long v) { return be32::from_host(static_cast<uint32_t>(v)); }

}  // namespace vfpath
