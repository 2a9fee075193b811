#include "dataplane/connection_listing.h"

#include <cstring>

#include "packet/net_headers.h"

namespace vfpath {

std::string_view connection_state(const ct::FlowTable& t, ct::EntryId id) {
  const ct::FlowEntry& e = t.entry(id);
  switch (e.key.proto) {
    case wire::kProtoTcp: return ct::tcp_state_name(t.tcp(id).state);
    case wire::kProtoUdp: return (e.flags & ct::entry_flag::kSeenReply) ? "udp_stream" : "udp_unreplied";
    case wire::kProtoIcmp:
    case wire::kProtoIcmpv6: return "icmp";
    default: return "other";
  }
}

bool is_connection_state(std::string_view name) {
  for (int s = 1; s < static_cast<int>(ct::TcpState::kCount); ++s)
    if (name == ct::tcp_state_name(static_cast<ct::TcpState>(s))) return true;
  return name == "udp_unreplied" || name == "udp_stream" || name == "icmp" || name == "other";
}

namespace {

bool matches(const ct::FlowTable& t, ct::EntryId id, const ConnectionFilter& f) {
  const ct::FlowEntry& e = t.entry(id);
  if (f.zone >= 0 && e.key.zone != f.zone) return false;
  if (f.address && std::memcmp(&e.key.a, &*f.address, sizeof(IpAddr)) != 0 &&
      std::memcmp(&e.key.b, &*f.address, sizeof(IpAddr)) != 0)
    return false;
  if (f.port && e.key.port_a.host() != f.port && e.key.port_b.host() != f.port) return false;
  if (!f.state.empty() && connection_state(t, id) != f.state) return false;
  return true;
}

}  // namespace

void serve_listing_slice(const ct::FlowTable& t, ListingRequest& r, uint64_t now, uint32_t budget) {
  const uint64_t end = std::min<uint64_t>(t.slot_count(), r.cursor + budget);
  for (; r.cursor < end && r.out.size() < r.max; ++r.cursor) {
    const ct::EntryId id = t.slot_entry(r.cursor);
    if (id == ct::kNoEntry) continue;
    const double left = t.seconds_left(id, now);
    if (left <= 0 || !matches(t, id, r.filter)) continue;
    const ct::FlowEntry& e = t.entry(id);
    r.out.push_back({e.key, e.originator(), connection_state(t, id), static_cast<uint32_t>(left), e.generation, r.worker});
  }
  if (r.cursor >= t.slot_count() || r.out.size() >= r.max) r.done.store(true, std::memory_order_release);
}

}  // namespace vfpath
