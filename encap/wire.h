// Overlay wire formats, exactly as on the wire (same conventions as
// packet/net_headers.h: packed, big-endian types, sizes asserted). Read
// them only after checking the packet is long enough (decap.cc does).
#pragma once

#include <cstdint>

#include "packet/big_endian.h"

namespace vfpath::wire {

inline constexpr uint16_t kUdpPortVxlan = 4789;   // RFC 7348 §5 (IANA)
inline constexpr uint16_t kUdpPortGeneve = 6081;  // RFC 8926 §3.3 (IANA)
inline constexpr uint16_t kEtherTypeTransparentBridging = 0x6558;  // Geneve: inner Ethernet

// RFC 6335 dynamic ports: the outer UDP source port range (RFC 7348 §5,
// RFC 8926 §3.3). Exactly 16384 ports, so a hash folds in with a mask.
inline constexpr uint16_t kUdpDynamicPortBase = 49152;
inline constexpr uint16_t kUdpDynamicPortMask = 0x3fff;

// RFC 7348 §5. Offsets: 0 flags (I = 0x08), 1-3 reserved, 4-6 VNI, 7 reserved.
// Reserved bits are sent as zero and ignored on receipt.
struct __attribute__((packed)) VxlanHeader {
  uint8_t flags;
  uint8_t reserved1[3];
  be32 vni_reserved;  // VNI:24 reserved:8
};
static_assert(sizeof(VxlanHeader) == 8);
inline constexpr uint8_t kVxlanFlagI = 0x08;

// RFC 8926 §3.4. Offsets: 0 ver:2 opt_len:6 (4-byte words), 1 O:1 C:1 rsvd:6,
// 2 protocol type, 4 VNI:24, 7 reserved; options follow (opt_len * 4 bytes).
struct __attribute__((packed)) GeneveHeader {
  uint8_t ver_opt_len;
  uint8_t flags;
  be16 protocol_type;
  be32 vni_reserved;  // VNI:24 reserved:8
};
static_assert(sizeof(GeneveHeader) == 8);
inline constexpr uint8_t kGeneveVersionShift = 6;
inline constexpr uint8_t kGeneveOptLenMask = 0x3f;
inline constexpr uint8_t kGeneveFlagO = 0x80;  // control packet: never forwarded
inline constexpr uint8_t kGeneveFlagC = 0x40;  // a critical option is present
inline constexpr uint16_t kGeneveMaxOptionBytes = kGeneveOptLenMask * 4;  // 252

// RFC 8926 §3.5. Offsets: 0 option class, 2 type (high bit: critical),
// 3 rsvd:3 length:5 (4-byte words of data, not counting these 4 bytes).
struct __attribute__((packed)) GeneveOption {
  be16 option_class;
  uint8_t type;
  uint8_t length;
};
static_assert(sizeof(GeneveOption) == 4);
inline constexpr uint8_t kGeneveOptionCritical = 0x80;
inline constexpr uint8_t kGeneveOptionLengthMask = 0x1f;

// VNI helpers: the 24-bit VNI sits in the top three bytes of a be32.
inline constexpr uint32_t kVniMax = 0xffffff;
inline constexpr be32 vni_field(uint32_t vni) { return be32::from_host(vni << 8); }
inline constexpr uint32_t vni_of(be32 field) { return field.host() >> 8; }

}  // namespace vfpath::wire
