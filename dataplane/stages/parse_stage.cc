#include "packet/parser.h"
#include "dataplane/stages/stages.h"

namespace vfpath {

void parse_stage(Burst& b) {
  for (uint16_t i = 0; i < b.count; ++i) {
    const Frame& f = b.frames[i];
    DropReason r = parse_frame(f.data, f.len, f.frame_len, b.meta[i]);
    if (r != DropReason::kNone) b.verdict[i].drop_with(r);
  }
}

}  // namespace vfpath
