#include "dataplane/metadata_reply.h"

#include <cstring>

#include "dataplane/eni_l2.h"
#include "packet/metadata_nat.h"
#include "packet/net_headers.h"

namespace vfpath {

DropReason metadata_reply_frame(Frame& f, const Snapshot& s, MetadataDelivery& out) {
  if (!f.single_segment()) return DropReason::kMultiSegment;
  metadata::TcpPacket p;
  if (!metadata::parse_tcp_packet(f.data, f.len, p)) return DropReason::kMalformed;
  const bool from_service = p.v6 ? std::memcmp(p.src, metadata::service_v6().bytes.data(), 16) == 0
                                 : std::memcmp(p.src, &metadata::kServiceV4.value, 4) == 0;
  if (!from_service) return DropReason::kMalformed;
  uint32_t slot, index;
  if (!metadata::client_of(p, slot, index)) return DropReason::kMalformed;
  const EniEntry* eni = s.eni_at_slot(slot);
  if (!eni) return DropReason::kMetadataUnavailable;
  const uint8_t* to;
  if (p.v6) {
    if (index >= eni->ipv6.size()) return DropReason::kMetadataUnavailable;
    to = eni->ipv6[index].bytes.data();
  } else {
    if (index >= eni->ipv4.size()) return DropReason::kMetadataUnavailable;
    to = reinterpret_cast<const uint8_t*>(&eni->ipv4[index].value);
  }
  const uint16_t l2 = eni_l2_length(*eni);
  if (f.headroom < l2) return DropReason::kMultiSegment;
  f.set_length(static_cast<uint16_t>(p.length));  // no trailing bytes past the IP packet
  if (!metadata::rewrite_address(f.data, f.len, false, to)) return DropReason::kMalformed;
  f.move_start(l2);
  write_eni_l2(f.data, *eni, s.router_mac, p.v6 ? wire::kEtherTypeIpv6 : wire::kEtherTypeIpv4);
  out.port = eni->port;
  out.slot = eni->counter_slot;
  return DropReason::kNone;
}

}  // namespace vfpath
