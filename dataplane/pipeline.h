// The whole decision for a burst from one input port, without I/O: what the
// worker runs between rx and tx, and what the pipeline benchmark and the
// table-driven tests run on plain buffers.
#pragma once

#include "dataplane/burst.h"
#include "dataplane/snapshot.h"

namespace vfpath {

// Decides every frame of `b` (arrived on port b.in_port): each verdict ends as
// kDrop (with a reason), kForward or kReply, with L2 headers written.
void run_pipeline(Burst& b, const Snapshot& s);

}  // namespace vfpath
