// The control side of the IDS: drains the workers' alert rings, writes each
// alert as a Suricata EVE JSON record (event_type "alert") to a rotating
// file, keeps the latest ones for `vfpathctl alerts [-f]`, and sums the
// workers' IDS counters and per-rule hits for stats. Runs on a control
// thread (drain() every few milliseconds); workers only ever push to their
// rings, so a slow disk or client costs alerts (counted), never packets.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "dataplane/ids_streams.h"
#include "dataplane/ids_totals.h"
#include "dataplane/snapshot.h"
#include "dataplane/snapshot_publisher.h"

namespace vfpath::control {

struct AlertLogOptions {
  std::string path;                  // EVE file; empty: none (alerts are still streamed)
  uint64_t max_bytes = 64ull << 20;  // rotate when the file would pass this
  unsigned keep = 5;                 // path.1 .. path.keep kept (oldest dropped)
  size_t recent = 10000;             // alerts kept in memory for readers
};

// The worker clock at one instant and the wall clock at the same instant:
// how a record's ticks become its timestamp.
struct AlertClock {
  uint64_t ticks = 0;
  uint64_t ticks_per_second = 1000000000;
  std::chrono::system_clock::time_point wall = std::chrono::system_clock::now();
};

// The EVE JSON line of one alert (no newline). `signature`, `category`:
// the rule's msg and classtype ("" when the rule is no longer configured).
std::string eve_alert_json(const IdsAlertRecord& a, const AlertClock& clock, const std::string& signature,
                           const std::string& category);

using vfpath::IdsTotals;

class AlertLog {
 public:
  // `workers`: each worker's IDS state, outliving this object.
  AlertLog(AlertLogOptions options, AlertClock clock, std::vector<IdsWorkerState*> workers,
           const SnapshotPublisher& publisher);

  // Moves every alert waiting in the rings into the file and the recent list.
  // Returns how many. Thread-safe against readers (one drainer).
  size_t drain();

  // Alerts after `after` (a sequence number; 0: the oldest kept) up to `max`,
  // as (sequence, EVE line). With `wait`, blocks up to `wait` for one if none.
  std::vector<std::pair<uint64_t, std::string>> read(uint64_t after, size_t max,
                                                     std::chrono::milliseconds wait = {});
  uint64_t last_sequence() const;

  // Counters summed over workers (ids_alerts, ids_alerts_dropped, ...) and
  // per-rule hits of the rule sets in force.
  IdsTotals totals() const;

  uint64_t write_errors() const { return write_errors_.load(std::memory_order_relaxed); }
  // Why the EVE file could not be opened ("" when it was, or none was asked for).
  const std::string& open_error() const { return open_error_; }

 private:
  void write_line(const std::string& line);
  void rotate();
  // msg and classtype of (rule set id, sid) in the snapshot in force.
  std::pair<std::string, std::string> describe(const std::string& ruleset, uint32_t sid);

  AlertLogOptions options_;
  AlertClock clock_;
  std::vector<IdsWorkerState*> workers_;
  const SnapshotPublisher& publisher_;

  std::ofstream file_;
  uint64_t file_bytes_ = 0;
  std::atomic<uint64_t> write_errors_{0};  // lines the file refused (stats: ids_eve_write_errors)
  std::string open_error_;

  uint64_t names_generation_ = ~0ull;
  std::map<std::pair<std::string, uint32_t>, std::pair<std::string, std::string>> names_;

  mutable std::mutex mutex_;  // guards recent_ and sequence_
  std::condition_variable arrived_;
  std::deque<std::pair<uint64_t, std::string>> recent_;
  uint64_t sequence_ = 0;
};

}  // namespace vfpath::control
