// Hands snapshots from the control thread to the workers without stopping
// them. Publishing is one atomic pointer store; the previous snapshot is freed
// only after every registered worker has reported a quiescent state since the
// store (DPDK rte_rcu_qsbr), so no worker can still be reading it. A publish
// waits for that at most a grace limit: a stalled worker makes it return
// kPending (the old snapshot kept until the worker moves on) instead of
// hanging the control thread.
//
// Threads: workers call register/online/offline/quiescent/current with their
// own id; publish() and with_current() may be called from any control thread
// (they serialise on a mutex, never touched by workers).
#pragma once

#include <rte_rcu_qsbr.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "dataplane/snapshot.h"

namespace vfpath {

class SnapshotPublisher {
 public:
  static constexpr std::chrono::milliseconds kDefaultGrace{1000};
  // `grace`: how long a publish waits for the workers to move on.
  explicit SnapshotPublisher(unsigned max_workers, std::chrono::milliseconds grace = kDefaultGrace);
  ~SnapshotPublisher();
  SnapshotPublisher(const SnapshotPublisher&) = delete;
  SnapshotPublisher& operator=(const SnapshotPublisher&) = delete;

  // --- worker side (id < max_workers, each id used by one thread) ---
  void register_worker(unsigned id);
  void unregister_worker(unsigned id);
  // A worker that sleeps goes offline so a publish does not wait for it.
  void online(unsigned id) { rte_rcu_qsbr_thread_online(qsv_, id); }
  void offline(unsigned id) { rte_rcu_qsbr_thread_offline(qsv_, id); }
  // Once per loop: the worker holds no snapshot pointer across this call.
  void quiescent(unsigned id) { rte_rcu_qsbr_quiescent(qsv_, id); }
  // Acquire pairs with publish()'s release: the snapshot's contents, written
  // before the store, are visible to the worker that loads the pointer.
  const Snapshot* current() const { return current_.load(std::memory_order_acquire); }

  // --- control side ---
  enum class Published : uint8_t {
    kAcknowledged,  // every online worker left the previous snapshot; it is freed
    kPending,       // a worker has not passed a quiescent state within `grace`
                    // (stalled): `next` is current all the same, the previous
                    // one is kept until that worker has, and freed then
  };
  // Snapshots kept for stalled workers, at most: beyond, can_publish() is false.
  static constexpr size_t kMaxRetired = 8;

  // Makes `next` current and waits up to grace() for the grace period; frees
  // the previous snapshot once no worker can read it (now or later).
  Published publish(std::unique_ptr<Snapshot> next);
  std::chrono::milliseconds grace() const { return grace_; }
  // Frees the snapshots kept for stalled workers that have since moved on;
  // false while kMaxRetired of them still wait (a worker stuck for good):
  // the caller then publishes nothing, and says why.
  bool can_publish();
  size_t retired() const;
  // Runs `fn` with the current snapshot, which stays alive during the call.
  void with_current(const std::function<void(const Snapshot*)>& fn) const;

 private:
  void reclaim_locked();

  rte_rcu_qsbr* qsv_ = nullptr;
  std::chrono::milliseconds grace_;
  std::atomic<const Snapshot*> current_{nullptr};
  mutable std::mutex control_mutex_;
  struct Retired {
    uint64_t token;  // the grace period it waits for
    const Snapshot* snapshot;
  };
  std::vector<Retired> retired_;  // under control_mutex_
};

}  // namespace vfpath
