#include "dataplane/snapshot_publisher.h"

#include <chrono>
#include <cstdlib>
#include <new>
#include <stdexcept>
#include <thread>

namespace vfpath {

SnapshotPublisher::SnapshotPublisher(unsigned max_workers, std::chrono::milliseconds grace) : grace_(grace) {
  size_t size = rte_rcu_qsbr_get_memsize(max_workers);
  // Plain aligned memory: rte_rcu_qsbr needs no EAL, so this is unit-testable.
  void* mem = std::aligned_alloc(RTE_CACHE_LINE_SIZE, (size + RTE_CACHE_LINE_SIZE - 1) & ~size_t{RTE_CACHE_LINE_SIZE - 1});
  if (!mem) throw std::bad_alloc();
  qsv_ = static_cast<rte_rcu_qsbr*>(mem);
  if (rte_rcu_qsbr_init(qsv_, max_workers) != 0) {
    std::free(mem);
    throw std::runtime_error("rte_rcu_qsbr_init failed");
  }
}

SnapshotPublisher::~SnapshotPublisher() {
  delete current_.load(std::memory_order_relaxed);
  for (const Retired& r : retired_) delete r.snapshot;  // the workers are gone
  std::free(qsv_);
}

void SnapshotPublisher::register_worker(unsigned id) {
  if (rte_rcu_qsbr_thread_register(qsv_, id) != 0) throw std::runtime_error("rcu: bad worker id");
}

void SnapshotPublisher::unregister_worker(unsigned id) { rte_rcu_qsbr_thread_unregister(qsv_, id); }

SnapshotPublisher::Published SnapshotPublisher::publish(std::unique_ptr<Snapshot> next) {
  std::lock_guard lock(control_mutex_);
  reclaim_locked();
  const Snapshot* old = current_.exchange(next.release(), std::memory_order_acq_rel);
  // Waits until every online worker has passed a quiescent state after the
  // exchange; offline (sleeping) workers hold no pointer and are not waited
  // for. Polls with short sleeps rather than spinning (rte_rcu_qsbr_synchronize
  // spins): a control thread that shares a CPU with a worker would otherwise
  // hold that CPU while waiting for the very worker it keeps from running.
  // Bounded: a stalled worker must not hang the control API.
  const uint64_t token = rte_rcu_qsbr_start(qsv_);
  const auto deadline = std::chrono::steady_clock::now() + grace_;
  while (rte_rcu_qsbr_check(qsv_, token, false) != 1) {
    if (std::chrono::steady_clock::now() >= deadline) {
      if (old) retired_.push_back({token, old});
      return Published::kPending;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(20));
  }
  delete old;
  return Published::kAcknowledged;
}

void SnapshotPublisher::reclaim_locked() {
  std::erase_if(retired_, [&](const Retired& r) {
    if (rte_rcu_qsbr_check(qsv_, r.token, false) != 1) return false;
    delete r.snapshot;
    return true;
  });
}

bool SnapshotPublisher::can_publish() {
  std::lock_guard lock(control_mutex_);
  reclaim_locked();
  return retired_.size() < kMaxRetired;
}

size_t SnapshotPublisher::retired() const {
  std::lock_guard lock(control_mutex_);
  return retired_.size();
}

void SnapshotPublisher::with_current(const std::function<void(const Snapshot*)>& fn) const {
  std::lock_guard lock(control_mutex_);
  fn(current_.load(std::memory_order_acquire));
}

}  // namespace vfpath
