#include "conntrack/tcp_segment.h"

#include "packet/net_headers.h"

namespace vfpath::ct {
namespace {

constexpr uint8_t kOptEnd = 0, kOptNop = 1, kOptWindowScale = 3, kOptSackPerm = 4;

void read_options(const uint8_t* p, uint32_t len, TcpSegment& seg) {
  uint32_t i = 0;
  while (i < len) {
    uint8_t kind = p[i];
    if (kind == kOptEnd) return;
    if (kind == kOptNop) {
      ++i;
      continue;
    }
    if (i + 1 >= len) return;
    uint8_t olen = p[i + 1];
    if (olen < 2 || i + olen > len) return;
    if (kind == kOptWindowScale && olen == 3) seg.wscale = static_cast<int8_t>(p[i + 2] & 0x7f);
    if (kind == kOptSackPerm && olen == 2) seg.sack_perm = true;
    i += olen;
  }
}

}  // namespace

bool read_tcp_segment(const uint8_t* frame, uint32_t readable, const PacketMeta& m, TcpSegment& seg) {
  seg = TcpSegment{};
  if (m.l4_proto != wire::kProtoTcp || !m.has(meta_flags::kHasL4)) return false;
  uint32_t l4 = m.l4_offset;
  if (l4 + sizeof(wire::TcpHeader) > readable) return false;
  const auto* t = reinterpret_cast<const wire::TcpHeader*>(frame + l4);
  uint32_t header_len = (t->data_offset >> 4) * 4u;
  if (header_len < sizeof(wire::TcpHeader) || l4 + header_len > readable) return false;
  uint32_t l3_end = static_cast<uint32_t>(m.l3_offset) + m.l3_length;
  seg.seq = t->seq.host();
  seg.ack = t->ack.host();
  seg.window = t->window.host();
  seg.flags = t->flags;
  seg.payload_len = l3_end > l4 + header_len ? static_cast<uint16_t>(l3_end - l4 - header_len) : 0;
  if (seg.has(tcp_flag::kSyn))
    read_options(frame + l4 + sizeof(wire::TcpHeader), header_len - sizeof(wire::TcpHeader), seg);
  return true;
}

}  // namespace vfpath::ct
