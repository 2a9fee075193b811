// The exception path to the instance metadata service (control/
// metadata_server.h): the workers never run an HTTP server, they translate
// a VM's request and queue its IP packet on `requests` (any worker:
// multi-producer); the service's kernel-made replies come back on `replies`
// (one producer, the service's pump; one consumer, worker 0), which turns
// them into frames for the VM. Each mbuf holds one IP packet (no L2 header)
// in a single segment. `pool`: where the pump takes mbufs for replies.
#pragma once

#include <rte_mempool.h>
#include <rte_ring.h>

namespace vfpath {

class MetadataRings final {
 public:
  // Throws std::runtime_error when a ring cannot be created (needs EAL).
  MetadataRings(rte_mempool* pool, unsigned size = 1024);
  ~MetadataRings();  // frees the packets still queued
  MetadataRings(const MetadataRings&) = delete;
  MetadataRings& operator=(const MetadataRings&) = delete;

  rte_ring* requests() const { return requests_; }
  rte_ring* replies() const { return replies_; }
  rte_mempool* pool() const { return pool_; }

 private:
  rte_mempool* pool_;
  rte_ring* requests_ = nullptr;
  rte_ring* replies_ = nullptr;
};

}  // namespace vfpath
