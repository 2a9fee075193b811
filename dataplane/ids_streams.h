// A worker's IDS state: the inspected connections (stream table), the ring
// its alerts leave by, and its counters. Owned by one worker (no locks); the
// control thread only drains the ring and reads the counters.
//
// Stream table: a fixed number of entries (set at creation, never grown),
// 4-way set-associative by the flow hash mixed with a per-table random seed
// (so a sender cannot aim connections at one set). A new connection takes a
// free way, else one idle for kIdsStreamIdleSeconds (a connection PREVENT
// blocked: ten times that, so its block outlives a quiet spell), counted as
// an eviction; a live connection is never evicted (that would lose its
// carry mid-signature). When a set holds only live connections, the new one
// has no entry (streams_full): PREVENT refuses it (`ids_uninspected`),
// DETECT scans its packets one by one. Memory: sizeof(IdsStream) = 640
// bytes per connection, capacity x 640 per worker (16,384: 10 MiB).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "conntrack/flow_key.h"
#include "dataplane/counters.h"
#include "ids/stream.h"
#include "packet/addr.h"

namespace vfpath {

inline constexpr uint32_t kIdsStreamsPerWorker = 16384;
inline constexpr uint32_t kIdsStreamIdleSeconds = 60;
inline constexpr uint32_t kIdsAlertRing = 4096;  // alerts in flight per worker (power of two)
inline constexpr uint32_t kIdsRememberedAlerts = 7;

namespace ids_stream_flag {
inline constexpr uint8_t kBlocked = 0x01;  // a drop rule matched in PREVENT: the rest of the connection is dropped
inline constexpr uint8_t kPassed = 0x02;   // a pass rule matched: the rest is not inspected (Suricata's pass)
inline constexpr uint8_t kClosed = 0x04;   // FIN or RST seen: a bare SYN on untracked ports starts anew
}  // namespace ids_stream_flag

struct alignas(64) IdsStream {
  ct::FlowKey key;          // zone = the inspecting ENI's zone
  uint64_t last_seen = 0;   // in the table's ticks
  uint32_t ruleset = 0;     // IdsRuleset::serial of the rule set the flags and `alerted` refer to
  uint8_t used = 0;
  uint8_t client = 0;       // ct::Side of the connection's client
  uint8_t flags = 0;        // ids_stream_flag
  uint8_t seen = 0;         // bit per ct::Side that has sent
  uint8_t n_alerted = 0;
  uint8_t mode = 0;         // the ids::Mode the flags were set in
  uint8_t reserved[2] = {};
  uint32_t alerted[kIdsRememberedAlerts] = {};  // rule indices already alerted on this connection
  ids::StreamDir dir[2];    // [ct::Side of the sender]
};
static_assert(sizeof(IdsStream) == 640);

struct IdsStreamStats {
  Counter streams_evicted, streams_full;
};

class IdsStreamTable {
 public:
  // `capacity` is rounded up to a power of two (at least 8); throws std::bad_alloc.
  IdsStreamTable(uint32_t capacity, uint64_t ticks_per_second);
  // The connection's entry, made anew (every field reset) in place.
  static void reset(IdsStream& e) {
    const ct::FlowKey key = e.key;
    const uint64_t seen = e.last_seen;
    e = IdsStream{};
    e.key = key;
    e.used = 1;
    e.last_seen = seen;
  }
  // The connection's entry, made if absent (`inserted`); null when the set is
  // full of live blocked connections.
  IdsStream* find_or_insert(const ct::FlowKey& key, uint64_t hash, uint64_t now, bool& inserted);
  // Starts loading the set of `hash` (its four keys): call a burst ahead.
  void prefetch(uint64_t hash) {
    const IdsStream* set = set_of(hash);
    for (int w = 0; w < 4; ++w) __builtin_prefetch(&set[w]);
  }
  const IdsStreamStats& stats() const { return stats_; }

 private:
  IdsStream* set_of(uint64_t hash) const {
    return &entries_[((hash ^ seed_) * 0x9e3779b97f4a7c15ull >> shift_) * 4];
  }
  std::unique_ptr<IdsStream[]> entries_;
  uint32_t sets_;
  uint32_t shift_;  // 64 - log2(sets_)
  uint64_t seed_;
  uint64_t idle_ticks_;
  IdsStreamStats stats_;
};

// One alert, as the worker hands it to the control thread (plain bytes; the
// control side names the rule from the rule set by id and sid).
struct IdsAlertRecord {
  uint64_t ticks = 0;      // the worker's clock when it matched
  uint64_t flow_id = 0;
  IpAddr src, dst;
  uint16_t sport = 0, dport = 0;  // host order
  uint8_t proto = 0;
  uint8_t family = 4;
  uint8_t blocked = 0;     // PREVENT dropped the packet for this rule
  uint8_t to_server = 1;
  uint32_t sid = 0, rev = 0;
  char eni[64] = {};       // the inspecting ENI's id (validated: at most 63 bytes)
  char ruleset[32] = {};   // the rule set's id (validated: at most 31 bytes)
};

// Single producer (the worker), single consumer (the control thread). A full
// ring drops the alert, counted: a slow consumer never blocks a worker.
class IdsAlertRing {
 public:
  IdsAlertRing() : slots_(std::make_unique<IdsAlertRecord[]>(kIdsAlertRing)) {}
  bool push(const IdsAlertRecord& r) {
    const uint32_t head = head_.load(std::memory_order_relaxed);
    if (head - tail_.load(std::memory_order_acquire) == kIdsAlertRing) return false;
    slots_[head & (kIdsAlertRing - 1)] = r;
    head_.store(head + 1, std::memory_order_release);
    return true;
  }
  bool pop(IdsAlertRecord& r) {
    const uint32_t tail = tail_.load(std::memory_order_relaxed);
    if (tail == head_.load(std::memory_order_acquire)) return false;
    r = slots_[tail & (kIdsAlertRing - 1)];
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }

 private:
  std::unique_ptr<IdsAlertRecord[]> slots_;
  alignas(64) std::atomic<uint32_t> head_{0};
  alignas(64) std::atomic<uint32_t> tail_{0};
};

struct IdsCounters {
  Counter packets_inspected, bytes_inspected;
  Counter alerts, alerts_dropped;  // ids_alerts_dropped: the ring was full
  Counter bytes_uninspected;       // beyond the stream depth
  Counter fragments_uninspected;   // non-first IP fragments (no transport header to place them)
  Counter stream_gaps, overlap_mismatch, retransmit_unverified;
  Counter scan_errors;             // Hyperscan refused a scan (a bug): DETECT passed it, PREVENT dropped it
  Counter bad_checksum;            // TCP segments with a wrong checksum: scanned alone, not taken into the stream
  Counter midstream;               // connections first seen mid-stream (after a restart or an eviction)
};

// Everything above for one worker, plus the window it scans TCP from.
struct IdsWorkerState {
  IdsWorkerState(uint32_t capacity, uint64_t ticks_per_second) : streams(capacity, ticks_per_second) {}
  IdsStreamTable streams;
  IdsAlertRing alerts;
  IdsCounters counters;
  alignas(64) uint8_t window[ids::kStreamWindowBytes];
};

}  // namespace vfpath
