// A frame through the pipeline in a buffer that outlives the burst, and the
// fragments the pipeline held resumed as the worker resumes them
// (resume_held_fragments), for stage tests without a worker.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "dataplane/pipeline.h"
#include "tests/packet/frames.h"

namespace vfpath::test {

struct Parked {
  std::vector<uint8_t> buf = std::vector<uint8_t>(2048);  // outlives the burst, as a held mbuf
  Frame frame;
  PacketMeta meta;
  Verdict verdict;
};

inline Parked through_pipeline(const Snapshot& snap, PipelineContext& ctx, uint16_t port, const Bytes& frame) {
  Parked p;
  std::copy(frame.begin(), frame.end(), p.buf.begin() + 128);
  Burst b;
  b.count = 1;
  b.in_port = port;
  b.frames[0] = Frame{p.buf.data() + 128, static_cast<uint16_t>(frame.size()), 128, 1024, static_cast<uint32_t>(frame.size())};
  ctx.now += 1000000;
  run_pipeline(b, snap, ctx);
  p.frame = b.frames[0];
  p.meta = b.meta[0];
  p.verdict = b.verdict[0];
  return p;
}

inline std::vector<Verdict> resume(const Snapshot& snap, PipelineContext& ctx, uint16_t port, std::vector<Parked>& held) {
  Burst b;
  RouteResults routes;
  b.count = static_cast<uint16_t>(held.size());
  b.in_port = port;
  routes.reset(b.count);
  for (size_t i = 0; i < held.size(); ++i) {
    b.frames[i] = held[i].frame;
    b.meta[i] = held[i].meta;
    b.verdict[i] = held[i].verdict;
  }
  ctx.now += 1000000;
  resume_held_fragments(b, snap, ctx, routes);
  return {b.verdict, b.verdict + b.count};
}

}  // namespace vfpath::test
