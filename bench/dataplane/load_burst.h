// The benchmarks' per-iteration baseline: a burst restored from prebuilt
// frames (the stages rewrite frames in place, so every iteration starts
// over). Frames are taken round-robin from `next`; each sits in its own
// `room` bytes of `buf` after `headroom`.
#pragma once

#include <cstring>
#include <vector>

#include "dataplane/burst.h"
#include "tests/packet/frames.h"

namespace vfpath {

inline void load_burst(Burst& b, uint16_t port, const std::vector<test::Bytes>& frames, size_t& next, uint8_t* buf,
                       uint16_t room, uint16_t headroom) {
  b.count = kBurstSize;
  b.in_port = port;
  for (uint16_t i = 0; i < kBurstSize; ++i) {
    const test::Bytes& f = frames[next];
    next = next + 1 == frames.size() ? 0 : next + 1;
    uint8_t* at = buf + i * room + headroom;
    std::memcpy(at, f.data(), f.size());
    b.frames[i] = Frame{at, static_cast<uint16_t>(f.size()), headroom, static_cast<uint16_t>(room - headroom - f.size()),
                        static_cast<uint32_t>(f.size())};
    b.verdict[i] = Verdict{};
  }
}

}  // namespace vfpath
