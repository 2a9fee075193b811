// "What would happen to this packet?": builds the frame an ENI would send and
// runs the real pipeline on it against a snapshot, then says what decided it.
// Control path only (allocates, builds strings); the fast path is the code
// under test, so an explanation cannot drift from what the workers do.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "packet/addr.h"
#include "dataplane/snapshot.h"

namespace vfpath {

struct PacketDescription {
  std::string eni;          // the sending ENI's id
  std::string src;          // IPv4/IPv6 text; empty: the ENI's first address of dst's family
  std::string dst;          // IPv4/IPv6 text
  uint8_t protocol = 6;     // 6 tcp, 17 udp, 1 icmp, 58 icmpv6, other numbers
  uint16_t src_port = 40000;
  uint16_t dst_port = 80;
  uint8_t icmp_type = 8;    // icmp/icmpv6
  uint8_t icmp_code = 0;
  uint8_t ttl = 64;
};

struct NaclStep {
  std::string nacl;
  std::string direction;  // "egress" (source subnet) or "ingress" (destination subnet)
  uint16_t rule_number = 0;  // 0: the implicit deny
  bool allowed = false;
};

struct SgStep {
  std::string eni;
  std::string direction;  // "egress" (the sender's groups) or "ingress" (the receiver's)
  std::string groups;     // the ENI's effective groups, comma-separated
  std::string rule;       // the rule that admitted the connection, e.g. "sg-web ingress[0] 10.0.0.0/8"
  std::string state;      // "new connection", "untracked (all-open both ways)", "related", ...
  bool allowed = false;
};

struct Explanation {
  std::string error;        // set when the description itself is unusable
  std::string verdict;      // "forward", "reply" (answered by the router), "drop"
  std::string drop_reason;  // for "drop" (and a reply that reports one, e.g. ttl_exceeded)
  std::string to_eni;       // for "forward" to a local ENI; empty when encapsulated to another host
  std::string route;        // how the destination was resolved
  std::vector<NaclStep> nacls;
  std::vector<SgStep> security_groups;
};

Explanation explain(const Snapshot& s, const PacketDescription& d);

}  // namespace vfpath
