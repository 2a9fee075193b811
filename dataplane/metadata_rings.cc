#include "dataplane/metadata_rings.h"

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <stdexcept>
#include <string>

namespace vfpath {
namespace {

void drain_and_free(rte_ring* r) {
  if (!r) return;
  rte_mbuf* m;
  while (rte_ring_dequeue(r, reinterpret_cast<void**>(&m)) == 0) rte_pktmbuf_free(m);
  rte_ring_free(r);
}

}  // namespace

MetadataRings::MetadataRings(rte_mempool* pool, unsigned size) : pool_(pool) {
  static unsigned instance = 0;
  ++instance;
  const std::string base = "vfmd" + std::to_string(instance);
  requests_ = rte_ring_create((base + "_rq").c_str(), size, static_cast<int>(rte_socket_id()), RING_F_SC_DEQ);
  replies_ = rte_ring_create((base + "_rp").c_str(), size, static_cast<int>(rte_socket_id()),
                             RING_F_SP_ENQ | RING_F_SC_DEQ);
  if (!requests_ || !replies_) {
    const std::string why = rte_strerror(rte_errno);
    drain_and_free(requests_);
    drain_and_free(replies_);
    throw std::runtime_error("cannot create the metadata service's rings " + base + ": " + why);
  }
}

MetadataRings::~MetadataRings() {
  drain_and_free(requests_);
  drain_and_free(replies_);
}

}  // namespace vfpath
