// Snapshots replaced under readers: a reader never sees a freed or partly
// built snapshot, generations only go forward, and publish() returns only
// after the readers have moved on (so freeing is safe). No EAL needed.
#include "dataplane/snapshot_publisher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace vfpath {
namespace {

std::unique_ptr<Snapshot> make(uint64_t generation) {
  auto s = std::make_unique<Snapshot>();
  s->generation = generation;
  s->vpc_ids.assign(16, std::to_string(generation));  // contents a reader can check
  return s;
}

TEST(SnapshotPublisher, ReadersSeeWholeSnapshotsInOrderWhileTheyAreReplaced) {
  constexpr unsigned kReaders = 3;
  SnapshotPublisher pub(kReaders);
  pub.publish(make(1));
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> bad{0}, reads{0};
  std::vector<std::thread> readers;
  for (unsigned id = 0; id < kReaders; ++id)
    readers.emplace_back([&, id] {
      pub.register_worker(id);
      pub.online(id);
      uint64_t last = 0;
      while (!stop.load()) {
        const Snapshot* s = pub.current();
        if (s->generation < last) bad++;
        last = s->generation;
        for (const auto& v : s->vpc_ids)
          if (v != std::to_string(s->generation)) bad++;
        reads++;
        pub.quiescent(id);
      }
      pub.offline(id);
      pub.unregister_worker(id);
    });
  while (reads.load() < 1000) std::this_thread::yield();  // every reader is in its loop
  uint64_t before = reads.load();
  for (uint64_t g = 2; g <= 100; ++g) pub.publish(make(g));
  EXPECT_GT(reads.load(), before) << "readers did not run during the publishes";
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0u);
  pub.with_current([](const Snapshot* s) { EXPECT_EQ(s->generation, 100u); });
}

TEST(SnapshotPublisher, PublishWaitsForAnOnlineReaderButNotAnOfflineOne) {
  SnapshotPublisher pub(2);
  pub.publish(make(1));
  pub.register_worker(0);
  pub.online(0);
  pub.register_worker(1);  // registered but offline: not waited for
  std::atomic<bool> published{false};
  std::thread control([&] {
    pub.publish(make(2));
    published = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(published.load()) << "publish returned while reader 0 could still hold generation 1";
  pub.quiescent(0);
  control.join();
  EXPECT_TRUE(published.load());
  EXPECT_EQ(pub.current()->generation, 2u);
  pub.offline(0);
}

// A worker that stops reporting (stalled: a bug, a debugger, a descheduled
// vCPU) must not hang the control thread: a publish waits for it only up to
// the grace limit, returns kPending with the new snapshot current all the
// same, and keeps the old one until the worker moves on; past kMaxRetired
// kept snapshots, can_publish() says no.
TEST(SnapshotPublisher, AStalledWorkerMakesAPublishReturnPendingNotHang) {
  SnapshotPublisher pub(2, std::chrono::milliseconds(20));
  pub.publish(make(1));
  pub.register_worker(0);
  pub.online(0);
  pub.quiescent(0);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(pub.publish(make(2)), SnapshotPublisher::Published::kPending);
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(waited, std::chrono::milliseconds(20));
  EXPECT_LT(waited, std::chrono::seconds(2));
  EXPECT_EQ(pub.current()->generation, 2u);
  EXPECT_EQ(pub.retired(), 1u);
  for (uint64_t g = 3; g < 3 + SnapshotPublisher::kMaxRetired - 1; ++g) {
    ASSERT_TRUE(pub.can_publish());
    EXPECT_EQ(pub.publish(make(g)), SnapshotPublisher::Published::kPending);
  }
  EXPECT_EQ(pub.retired(), SnapshotPublisher::kMaxRetired);
  EXPECT_FALSE(pub.can_publish()) << "a worker stuck for good: no more snapshots kept for it";
  pub.quiescent(0);  // the worker moves on: everything kept for it is freed
  EXPECT_TRUE(pub.can_publish());
  EXPECT_EQ(pub.retired(), 0u);
  std::thread worker([&] {
    for (int i = 0; i < 200000; ++i) pub.quiescent(0);
  });
  EXPECT_EQ(pub.publish(make(20)), SnapshotPublisher::Published::kAcknowledged);
  worker.join();
  pub.offline(0);
  pub.unregister_worker(0);
}

}  // namespace
}  // namespace vfpath
