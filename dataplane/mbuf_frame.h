// Between an mbuf and the pipeline's Frame window: what the worker hands the
// stages and writes back after them. Field arithmetic only (no mempool or
// EAL), so it runs on plain-memory mbufs in unit tests.
#pragma once

#include <rte_mbuf.h>

#include "dataplane/burst.h"
#include "packet/net_headers.h"
#include "packet/frame.h"

namespace vfpath {

inline Frame frame_of(rte_mbuf* m) {
  return Frame{rte_pktmbuf_mtod(m, uint8_t*), m->data_len, rte_pktmbuf_headroom(m), rte_pktmbuf_tailroom(m),
               m->pkt_len};
}

// An empty frame over a spare mbuf (len 0, the whole room behind).
inline Frame empty_frame_of(rte_mbuf* m) {
  return Frame{rte_pktmbuf_mtod(m, uint8_t*), 0, rte_pktmbuf_headroom(m), rte_pktmbuf_tailroom(m), 0};
}

// Applies what the stages did to the frame's window back onto the mbuf.
// Returns the segments a reply cut off a chained frame (the caller frees
// them), or null.
[[nodiscard]] inline rte_mbuf* write_back(const Frame& f, rte_mbuf* m) {
  m->data_off = static_cast<uint16_t>(f.data - static_cast<uint8_t*>(m->buf_addr));
  m->data_len = f.len;
  m->pkt_len = f.frame_len;
  if (f.frame_len != f.len || m->nb_segs == 1) return nullptr;
  rte_mbuf* tail = m->next;  // a reply replaced a chained frame
  m->next = nullptr;
  m->nb_segs = 1;
  return tail;
}

// The mbuf offload request for what the encap stage left the port to finish.
inline void request_offload(rte_mbuf* m, TxOffload o) {
  if (o == TxOffload::kNone) return;
  const bool v6 = o == TxOffload::kOuterUdp6Checksum;
  m->l2_len = sizeof(wire::EthernetHeader);
  m->l3_len = v6 ? sizeof(wire::Ipv6Header) : sizeof(wire::Ipv4Header);
  m->ol_flags |= (v6 ? RTE_MBUF_F_TX_IPV6 : RTE_MBUF_F_TX_IPV4) | RTE_MBUF_F_TX_UDP_CKSUM;
}

}  // namespace vfpath
