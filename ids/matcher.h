// Scanning one packet's payload against a compiled rule set, and the
// verdict. Fast path: scan() never allocates, throws, locks or logs; all the
// memory it uses lives in a per-worker Scratch made on the control thread.
//
// Verdict (Suricata's default action order pass > drop > alert):
//  * a matching pass rule wins: verdict Pass, the other rules' matches are
//    suppressed (only the pass rules are listed);
//  * else a matching drop rule: Drop in PREVENT mode, Alert in DETECT mode
//    (as Suricata in IDS mode, a drop rule only alerts);
//  * else any match: Alert; no match: None.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ids/database.h"
#include "ids/packet_view.h"

struct hs_scratch;

namespace vfpath::ids {

enum class Mode : uint8_t { Detect, Prevent };
enum class Verdict : uint8_t { None, Alert, Drop, Pass };

inline constexpr uint32_t kMaxReportedMatches = 16;

struct Match {
  uint32_t rule = 0;  // index into Database::rules()
  uint32_t sid = 0;
  Action action = Action::Alert;
};

struct ScanResult {
  Verdict verdict = Verdict::None;
  uint32_t matched = 0;  // rules that matched (after pass suppression); may exceed count
  uint32_t count = 0;    // entries filled in `matches` (<= kMaxReportedMatches)
  Match matches[kMaxReportedMatches];  // lowest rule index first
};

enum class ScanStatus : uint8_t {
  Ok,
  PayloadTooLong,   // payload_len > the scratch's max_payload: not inspected
  ScratchMismatch,  // the scratch was not made for this database
  HyperscanError,   // hs_scan failed (should not happen with a valid scratch)
};

// Per-worker scanning state. Not thread-safe: one per worker thread.
class Scratch {
 public:
  // For `db` and payloads up to max_payload bytes. Control path; nullptr with
  // `error` on failure.
  static std::unique_ptr<Scratch> create(const Database& db, uint32_t max_payload, std::string& error);
  // A copy for another worker (hs_clone_scratch). Control path.
  std::unique_ptr<Scratch> clone(std::string& error) const;
  ~Scratch();
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  uint32_t max_payload() const { return max_payload_; }
  // Per-rule hit counts since creation (rules that matched, after pass
  // suppression), indexed like Database::rules(). Single writer (the owner
  // worker, relaxed load + store: a plain add); any thread may read, seeing
  // each count whole, possibly a moment stale. Summing across workers is the
  // caller's job.
  std::vector<uint64_t> rule_hits() const;
  uint64_t rule_hits(uint32_t rule) const { return hits_[rule].load(std::memory_order_relaxed); }

 private:
  friend ScanStatus scan(const Database&, Scratch&, const PacketView&, Mode, ScanResult&) noexcept;
  friend int on_hyperscan_match(unsigned, unsigned long long, unsigned long long, unsigned, void*);
  Scratch() = default;

  const Database* db_ = nullptr;
  hs_scratch* hs_ = nullptr;
  uint32_t max_payload_ = 0;
  uint32_t generation_ = 0;
  std::vector<uint32_t> pattern_stamp_;  // == generation_ when the pattern fired in this scan
  std::vector<uint32_t> candidates_;     // rules to verify, capacity = rule count
  uint32_t n_candidates_ = 0;
  std::vector<uint64_t> memo_;           // ids::VerifyMemo storage
  std::unique_ptr<std::atomic<uint64_t>[]> hits_;
  uint32_t rules_ = 0;
};

// Scans `pkt` with `db`. `scratch` must come from Scratch::create(db, ...)
// (or a clone of it). On a status other than Ok, `out` is {None, 0, 0}.
ScanStatus scan(const Database& db, Scratch& scratch, const PacketView& pkt, Mode mode,
                ScanResult& out) noexcept;

}  // namespace vfpath::ids
