// Test buffers: a frame placed in a buffer with head- and tailroom, as an
// mbuf's first segment would be; addresses from text.
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "packet/addr.h"
#include "packet/frame.h"
#include "packet/packet_meta.h"
#include "packet/parser.h"
#include "tests/packet/frames.h"

namespace vfpath::test {

inline Ipv4Addr v4addr(const std::string& s) {
  uint32_t raw;
  std::memcpy(&raw, ip4(s).data(), 4);
  return Ipv4Addr{be32::from_raw(raw)};
}
inline Ipv6Addr v6addr(const std::string& s) { return Ipv6Addr::from(ip6(s).data()); }
inline MacAddr mac_addr(const std::string& s) { return MacAddr::from(mac(s).data()); }

struct Buffer {
  std::vector<uint8_t> mem;
  Frame f;

  explicit Buffer(const Bytes& frame, uint16_t headroom = 128, uint16_t tailroom = 128)
      : mem(headroom + frame.size() + tailroom) {
    std::copy(frame.begin(), frame.end(), mem.begin() + headroom);
    f.data = mem.data() + headroom;
    f.len = static_cast<uint16_t>(frame.size());
    f.headroom = headroom;
    f.tailroom = tailroom;
    f.frame_len = f.len;
  }
  // An empty output frame of `capacity` bytes (for fragments).
  static Buffer empty(uint16_t capacity) {
    Buffer b(Bytes{}, 0, capacity);
    return b;
  }
  Bytes bytes() const { return Bytes(f.data, f.data + f.len); }
  PacketMeta parse() const {
    PacketMeta m;
    if (parse_frame(f.data, f.len, m) != DropReason::kNone) throw std::runtime_error("frame does not parse");
    return m;
  }
};

}  // namespace vfpath::test
