// Tables of rule sets with hand-computed answers, shared by the pure
// reference-classifier test and the rte_acl classifier test: both must give
// exactly these answers (rte_acl has a history of range-boundary bugs).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "acl/keys.h"
#include "acl/rule.h"

namespace acl::testing {

struct Probe {
  std::string what;
  std::vector<uint8_t> key;  // an Ipv4Key or Ipv6Key
  uint32_t want;             // userdata: rule index + 1, 0 = no match
};

struct EdgeCase {
  std::string proves;
  Family family;
  std::vector<Rule> rules;
  std::vector<Probe> probes;
};

std::vector<uint8_t> key_bytes(const Ipv4Key& k);
std::vector<uint8_t> key_bytes(const Ipv6Key& k);
Address v6(const char* text);

// Single-range rules on sport or dport, probed at 0, 1, 2, 52..54,
// 1022..1025, 65278..65281, 65534, 65535.
std::vector<EdgeCase> port_edge_cases();
// /0, /1, /31, /32 IPv4; /0, /1, /32, /33, /64, /65, /127, /128 IPv6.
std::vector<EdgeCase> prefix_edge_cases();
// Overlaps: the lowest index wins whatever its specificity; proto masks.
std::vector<EdgeCase> priority_cases();

std::vector<EdgeCase> all_edge_cases();

}  // namespace acl::testing
