// The router's TTL / hop limit decrement on a routed packet (the caller
// checked it is above 1), the IPv4 header checksum adjusted incrementally.
#pragma once

#include "packet/checksum.h"
#include "packet/frame.h"
#include "packet/net_headers.h"
#include "packet/packet_meta.h"

namespace vfpath {

inline void decrement_ttl(Frame& f, const PacketMeta& m) {
  uint8_t* l3 = f.data + m.l3_offset;
  if (m.kind == PacketKind::kIpv4) {
    auto* ip = reinterpret_cast<wire::Ipv4Header*>(l3);
    const be16 old_word = be16::from_host(static_cast<uint16_t>(ip->ttl << 8 | ip->protocol));
    ip->ttl--;
    const be16 new_word = be16::from_host(static_cast<uint16_t>(ip->ttl << 8 | ip->protocol));
    ip->checksum = checksum_adjust(ip->checksum, old_word, new_word);
  } else {
    reinterpret_cast<wire::Ipv6Header*>(l3)->hop_limit--;
  }
}

}  // namespace vfpath
