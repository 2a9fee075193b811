// The instance metadata service's host (design note: dataplane/README.md,
// "Instance metadata"). A thread of vfpathd moves into a network namespace
// of its own (unshare(CLONE_NEWNET): the host's routes and its own
// 169.254.169.254 stay untouched), makes a TUN interface there with
// 169.254.169.254/32 and fd00:ec2::254/128 and routes to the client
// addresses (packet/metadata_nat.h), and starts the HTTP server
// (control/metadata_server.h) in it: the kernel's TCP serves the VMs, so no
// TCP of our own is written and no worker runs HTTP. The thread then pumps
// packets: the workers' translated requests (MetadataRings::requests) are
// written to the TUN, what the kernel sends back is read into mbufs and
// queued for worker 0 (MetadataRings::replies). The worker side costs a
// ring poll per loop, no syscall (a DPDK net_tap port would cost the worker
// a read() per poll).
#pragma once

#include <sched.h>

#include <atomic>
#include <string>
#include <thread>

#include "dataplane/metadata_rings.h"
#include "dataplane/snapshot_publisher.h"

namespace vfpath::daemon {

inline constexpr const char* kMetadataInterface = "vfpmd0";

class MetadataService final {
 public:
  // Returns once the service listens; throws std::runtime_error saying why
  // it could not start (no CAP_SYS_ADMIN/CAP_NET_ADMIN, no /dev/net/tun ...).
  // The thread runs on `cpus` (the control cores).
  MetadataService(const MetadataRings& rings, const SnapshotPublisher& publisher, const cpu_set_t& cpus);
  ~MetadataService();  // stops the server and the pump; the namespace goes with its last socket
  MetadataService(const MetadataService&) = delete;
  MetadataService& operator=(const MetadataService&) = delete;

 private:
  void run(const SnapshotPublisher& publisher, const cpu_set_t& cpus);
  const MetadataRings& rings_;
  std::atomic<bool> stop_{false};
  std::atomic<int> state_{0};  // 0 starting, 1 running, -1 failed
  std::string error_;          // written before state_ turns -1
  std::thread thread_;
};

}  // namespace vfpath::daemon
