// Hands snapshots from the control thread to the workers without stopping
// them. Publishing is one atomic pointer store; the previous snapshot is freed
// only after every registered worker has reported a quiescent state since the
// store (DPDK rte_rcu_qsbr), so no worker can still be reading it.
//
// Threads: workers call register/online/offline/quiescent/current with their
// own id; publish() and with_current() may be called from any control thread
// (they serialise on a mutex, never touched by workers).
#pragma once

#include <rte_rcu_qsbr.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>

#include "dataplane/snapshot.h"

namespace vfpath {

class SnapshotPublisher {
 public:
  explicit SnapshotPublisher(unsigned max_workers);
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
  // Makes `next` current, waits for the grace period, frees the previous one.
  void publish(std::unique_ptr<Snapshot> next);
  // Runs `fn` with the current snapshot, which stays alive during the call.
  void with_current(const std::function<void(const Snapshot*)>& fn) const;

 private:
  rte_rcu_qsbr* qsv_ = nullptr;
  std::atomic<const Snapshot*> current_{nullptr};
  mutable std::mutex control_mutex_;
};

}  // namespace vfpath
