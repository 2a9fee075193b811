// Snapshots replaced under readers: a reader never sees a freed or partly
// built snapshot, generations only go forward, and publish() returns only
// after the readers have moved on (so freeing is safe). No EAL needed.
#include "dataplane/snapshot_publisher.h"

#include <gtest/gtest.h>

#include <atomic>
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

}  // namespace
}  // namespace vfpath
