// Listing the tracked connections (gRPC ListConnections, `vfpathctl conns`)
// without sharing a table between threads: the control thread posts a
// request to each worker's mailbox; the worker serves it a bounded slice per
// loop (never a whole-table pause) into a vector the control thread reserved
// (no allocation on the worker), then marks it done. The listing is a
// sequence of slices, not an atomic snapshot: a connection opened or closed
// meanwhile may or may not appear, as in `conntrack -L`.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "conntrack/flow_table.h"
#include "packet/addr.h"

namespace vfpath {

struct ConnectionFilter {
  int32_t zone = -1;              // an ENI's zone (its counter slot); -1 any
  std::optional<IpAddr> address;  // either side (IPv4: first 4 bytes, rest zero)
  uint16_t port = 0;              // either side, host order; 0 any
  std::string state;              // connection_state() name; empty any
};

struct ConnectionRecord {
  ct::FlowKey key;
  ct::Side originator = ct::Side::kA;
  std::string_view state;  // static storage
  uint32_t seconds_left = 0;
  uint32_t generation = 0;  // the policy generation that admitted it
  uint16_t worker = 0;
};

// "established", "syn_sent", ... for TCP; "udp_unreplied", "udp_stream",
// "icmp", "other" for the rest.
std::string_view connection_state(const ct::FlowTable& t, ct::EntryId id);
// Whether `name` is one connection_state() can return.
bool is_connection_state(std::string_view name);

struct ListingRequest {
  ConnectionFilter filter;
  size_t max = 0;                        // out.capacity(), reserved by the requester
  std::vector<ConnectionRecord> out;
  uint64_t cursor = 0;                   // next index slot to visit (worker-owned while pending)
  uint16_t worker = 0;
  std::atomic<bool> done{false};
};

// Visits up to `budget` index slots of `t` from r.cursor, appending matches
// until r.max; sets r.done (release) at the end of the table or when full.
void serve_listing_slice(const ct::FlowTable& t, ListingRequest& r, uint64_t now, uint32_t budget);

}  // namespace vfpath
