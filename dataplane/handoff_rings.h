// Single-producer single-consumer rings between workers: ring(from, to)
// carries packets `from` received whose connection `to` owns (DESIGN §5;
// conntrack/README.md says why owned tables and handoff beat a shared table).
#pragma once

#include <rte_ring.h>

#include <vector>

namespace vfpath {

class HandoffRings final {
 public:
  // Throws std::runtime_error when a ring cannot be created (needs EAL).
  explicit HandoffRings(unsigned workers, unsigned size = 1024);
  ~HandoffRings();
  HandoffRings(const HandoffRings&) = delete;
  HandoffRings& operator=(const HandoffRings&) = delete;
  rte_ring* ring(unsigned from, unsigned to) const { return rings_[from * workers_ + to]; }
  unsigned workers() const { return workers_; }

 private:
  void release();
  unsigned workers_;
  std::vector<rte_ring*> rings_;
};

}  // namespace vfpath
