// The whole decision for a burst from one input port, without I/O: what the
// worker runs between rx and tx, and what the pipeline benchmark and the
// table-driven tests run on plain buffers.
#pragma once

#include <cstdint>
#include <memory>

#include "conntrack/flow_table.h"
#include "conntrack/fragment_table.h"
#include "dataplane/allowance.h"
#include "dataplane/burst.h"
#include "dataplane/ids_streams.h"
#include "dataplane/snapshot.h"

namespace vfpath {

inline constexpr uint32_t kIdsScratchStreams = 1024;

// What a burst runs against besides the snapshot: the calling worker's own
// mutable state. Owned by that worker; nothing here is shared.
struct PipelineContext {
  ct::FlowTable* flows = nullptr;          // this worker's connections (required)
  ct::FragmentTable* fragments = nullptr;  // this worker's first-fragment outcomes (required)
  uint64_t now = 0;                        // in the tables' ticks, read once per burst
  uint32_t worker = 0;                     // this worker's index among `workers`
  uint32_t workers = 1;                    // connections are spread over this many owners
  // A non-first fragment whose first fragment has not been seen: kHold (the
  // caller keeps it, see fragment_hold.h) rather than `fragment_orphan`.
  bool hold_early_fragments = false;
  // This worker's IDS streams, alert ring and counters; null: no inspection
  // (ENIs with IDS then pass uninspected: only callers that never configure
  // IDS leave it null).
  IdsWorkerState* ids = nullptr;
  // Set by the conntrack stage: a forwarded packet of this burst is to or
  // from an ENI with IDS (eni_ct_flags::kIds). The IDS stage runs only then.
  bool ids_in_burst = false;
  // Which of a rule set's scratches this caller uses: its worker index, or
  // kControlScratch (the last one) for callers off the workers (Explain).
  uint32_t ids_scratch = 0;
  // Per-ENI allowances: the buckets all workers share and this caller's
  // cache of tokens; null shared: no allowance is applied.
  AllowanceState allowance;
  // The burst came from another worker's handoff ring: its egress and
  // link-local tokens were spent where it was received.
  bool handed_off = false;
  // The instance metadata service takes requests (the worker has its queue):
  // else they are dropped as metadata_unavailable.
  bool metadata_running = false;
  uint64_t ticks_per_us = 1000;  // `now` per microsecond (the buckets count time in µs)

  uint64_t now_us() const { return now / ticks_per_us; }  // the allowance buckets' clock
};

inline constexpr uint32_t kControlScratch = 0xffffffffu;

// A context with tables of its own, for callers outside the workers
// (Explain, tests, benchmarks, the fuzzer). Throws std::bad_alloc when the
// tables cannot be allocated. The clock is whatever `now` the caller sets,
// in nanoseconds.
struct ScratchContext {
  explicit ScratchContext(uint32_t capacity = 4096, uint32_t workers = 1, uint32_t worker = 0);
  std::unique_ptr<ct::FlowTable> flows;
  std::unique_ptr<ct::FragmentTable> fragments;
  std::unique_ptr<IdsWorkerState> ids;  // kIdsScratchStreams connections
  std::unique_ptr<EniBuckets[]> buckets;           // its own: no other caller shares them
  std::unique_ptr<AllowanceCache> allowance_cache;
  PipelineContext ctx;
};

// Decides every frame of `b` (arrived on port b.in_port): each verdict ends as
// kDrop (with a reason), kForward or kReply with L2 headers written, or
// kHandoff when another worker owns the packet's connection (nothing about it
// has been counted or changed yet; the owner runs the whole pipeline on it).
// `spares`: empty frames lent for IPv4 fragmentation before encapsulation
// (burst.h); null lends none (such a packet is then `mtu_exceeded`).
// `routes`: where routing's per-packet results go (the caller's, to keep
// those of held fragments); null: the pipeline's own.
void run_pipeline(Burst& b, const Snapshot& s, PipelineContext& ctx, SpareFrames* spares = nullptr,
                  RouteResults* routes = nullptr);

// Resumes fragments the pipeline left as kHold, restored into `b` as they
// were left (frames, meta, verdicts, and their `routes`), once their first
// fragment has been decided: each follows its first fragment as an in-order
// fragment would (still no first fragment: `fragment_orphan`), then the
// stages after conntrack run. Never kHold again.
// `judged_whole`: per packet, a piece of a short first fragment's header
// that the worker had judged whole (follow_first_fragments).
void resume_held_fragments(Burst& b, const Snapshot& s, PipelineContext& ctx, RouteResults& routes,
                           SpareFrames* spares = nullptr, const bool* judged_whole = nullptr);

}  // namespace vfpath
