#include "dataplane/handoff_rings.h"

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <stdexcept>
#include <string>

namespace vfpath {

HandoffRings::HandoffRings(unsigned workers, unsigned size) : workers_(workers), rings_(workers * workers, nullptr) {
  static unsigned instance = 0;
  ++instance;
  for (unsigned from = 0; from < workers; ++from)
    for (unsigned to = 0; to < workers; ++to) {
      if (from == to) continue;
      std::string name = "vfh" + std::to_string(instance) + "_" + std::to_string(from) + "_" + std::to_string(to);
      rte_ring* r = rte_ring_create(name.c_str(), size, static_cast<int>(rte_socket_id()), RING_F_SP_ENQ | RING_F_SC_DEQ);
      if (!r) {
        release();
        throw std::runtime_error("cannot create handoff ring " + name + ": " + rte_strerror(rte_errno));
      }
      rings_[from * workers + to] = r;
    }
}

HandoffRings::~HandoffRings() { release(); }

void HandoffRings::release() {
  for (rte_ring*& r : rings_) {
    if (!r) continue;
    rte_mbuf* m;
    while (rte_ring_sc_dequeue(r, reinterpret_cast<void**>(&m)) == 0) rte_pktmbuf_free(m);
    rte_ring_free(r);
    r = nullptr;
  }
}

}  // namespace vfpath
