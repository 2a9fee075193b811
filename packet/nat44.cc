#include "packet/nat44.h"

#include <cstring>

#include "packet/checksum.h"
#include "packet/net_headers.h"

namespace vfpath {
namespace {

using namespace wire;

be16 word_at(const uint8_t* p) {
  be16 w;
  std::memcpy(&w, p, 2);
  return w;
}

// The checksum at `sum` after the 4 bytes at `at` change to `to` (at stays unchanged here).
void adjust_for(uint8_t* sum, const uint8_t* at, const uint8_t* to) {
  be16 s = word_at(sum);
  s = checksum_adjust(s, word_at(at), word_at(to));
  s = checksum_adjust(s, word_at(at + 2), word_at(to + 2));
  std::memcpy(sum, &s, 2);
}

// The checksum at `sum` after the 2 bytes at `at` change from `old_word`.
void adjust_word(uint8_t* sum, be16 old_word, const uint8_t* at) {
  be16 s = checksum_adjust(word_at(sum), old_word, word_at(at));
  std::memcpy(sum, &s, 2);
}

}  // namespace

bool is_icmp4_error(const PacketMeta& m) {
  if (m.kind != PacketKind::kIpv4 || m.l4_proto != kProtoIcmp || !m.has(meta_flags::kHasL4)) return false;
  return m.type == kIcmpDestUnreachable || m.type == 4 || m.type == 5 || m.type == kIcmpTimeExceeded || m.type == 12;
}

bool nat44_rewrite(Frame& f, const PacketMeta& m, bool source, Ipv4Addr to) {
  if (m.kind != PacketKind::kIpv4) return false;
  uint8_t* ip = f.data + m.l3_offset;
  const uint32_t l3_end = std::min<uint32_t>(f.len, static_cast<uint32_t>(m.l3_offset) + m.l3_length);
  const uint8_t* new_addr = reinterpret_cast<const uint8_t*>(&to.value);
  // An ICMP error's quoted header is checked first: nothing changes unless all of it can.
  uint8_t* inner = nullptr;
  uint32_t inner_hlen = 0;
  const bool icmp_error = is_icmp4_error(m) && !m.has(meta_flags::kFragment);
  if (icmp_error) {
    inner = f.data + m.l4_offset + sizeof(IcmpHeader);
    if (inner + sizeof(Ipv4Header) > f.data + l3_end || (inner[0] >> 4) != 4) return false;
    inner_hlen = (inner[0] & 0x0f) * 4u;
    if (inner_hlen < sizeof(Ipv4Header) || inner + inner_hlen > f.data + l3_end) return false;
  }
  uint8_t* addr = ip + (source ? 12 : 16);
  const bool whole_l4 = m.has(meta_flags::kHasL4) && !(m.has(meta_flags::kFragment) && m.frag_offset != 0);
  if (whole_l4 && m.l4_proto == kProtoTcp && m.l4_offset + 18u <= l3_end) {
    adjust_for(f.data + m.l4_offset + 16, addr, new_addr);
  } else if (whole_l4 && m.l4_proto == kProtoUdp && m.l4_offset + 8u <= l3_end) {
    uint8_t* sum = f.data + m.l4_offset + 6;
    if (word_at(sum).raw() != 0) {
      adjust_for(sum, addr, new_addr);
      if (word_at(sum).raw() == 0) std::memset(sum, 0xff, 2);  // 0 means "none": the same sum is 0xffff
    }
  }
  adjust_for(ip + 10, addr, new_addr);
  std::memcpy(addr, new_addr, 4);
  if (!icmp_error) return true;
  // The quoted packet: its destination on egress (it was sent to the VM),
  // its source on ingress (the VM sent it). The ICMP checksum covers every
  // byte changed in it.
  uint8_t* icmp_sum = f.data + m.l4_offset + 2;
  uint8_t* inner_addr = inner + (source ? 16 : 12);
  const uint8_t inner_proto = inner[9];
  const bool inner_first = (word_at(inner + 6).host() & kIpv4OffsetMask) == 0;
  uint8_t* inner_l4 = inner + inner_hlen;
  uint8_t* inner_sum = nullptr;
  if (inner_first && inner_proto == kProtoTcp && inner_l4 + 18 <= f.data + l3_end) inner_sum = inner_l4 + 16;
  if (inner_first && inner_proto == kProtoUdp && inner_l4 + 8 <= f.data + l3_end && word_at(inner_l4 + 6).raw() != 0)
    inner_sum = inner_l4 + 6;
  if (inner_sum) {
    const be16 old = word_at(inner_sum);
    adjust_for(inner_sum, inner_addr, new_addr);
    adjust_word(icmp_sum, old, inner_sum);
  }
  const be16 old_inner_ip_sum = word_at(inner + 10);
  adjust_for(inner + 10, inner_addr, new_addr);
  adjust_word(icmp_sum, old_inner_ip_sum, inner + 10);
  adjust_for(icmp_sum, inner_addr, new_addr);
  std::memcpy(inner_addr, new_addr, 4);
  return true;
}

}  // namespace vfpath
