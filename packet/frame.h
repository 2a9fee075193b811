// A frame under processing: a window into one contiguous buffer with writable
// room before and after it, so stages can add or remove header bytes in place
// (an mbuf's first segment maps onto this one to one; see mbuf_frame.h).
#pragma once

#include <cstdint>

namespace vfpath {

struct Frame {
  uint8_t* data = nullptr;  // first byte of the Ethernet header
  uint16_t len = 0;         // bytes in this buffer
  uint16_t headroom = 0;    // writable bytes before `data`
  uint16_t tailroom = 0;    // writable bytes after `data + len`
  uint32_t frame_len = 0;   // whole frame; > len when more segments follow

  bool single_segment() const { return frame_len == len; }

  // Moves the start `n` bytes earlier (n > 0) or later (n < 0). The caller
  // checked headroom (n > 0) or length (n < 0).
  void move_start(int n) {
    data -= n;
    headroom = static_cast<uint16_t>(headroom - n);
    len = static_cast<uint16_t>(len + n);
    frame_len = static_cast<uint32_t>(static_cast<int>(frame_len) + n);
  }
  // Sets the length of a single-segment frame (within len + tailroom).
  void set_length(uint16_t new_len) {
    tailroom = static_cast<uint16_t>(tailroom + len - new_len);
    len = new_len;
    frame_len = new_len;
  }
};

}  // namespace vfpath
