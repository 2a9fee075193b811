#include "acl/sg_set_rules.h"

#include <arpa/inet.h>

#include <cstring>

#include "acl/keys.h"

namespace vfpath {

uint16_t match_set_rules(std::span<const SgSetRule> rules, const AddressSets& sets, const uint8_t* key, bool ipv6,
                         acl::nacl::Direction dir) {
  const bool ingress = dir == acl::nacl::Direction::kIngress;
  const uint8_t* peer;
  uint16_t sport, dport;
  if (ipv6) {
    peer = key + (ingress ? offsetof(acl::Ipv6Key, src) : offsetof(acl::Ipv6Key, dst));
    std::memcpy(&sport, key + offsetof(acl::Ipv6Key, sport), 2);
    std::memcpy(&dport, key + offsetof(acl::Ipv6Key, dport), 2);
  } else {
    peer = key + (ingress ? offsetof(acl::Ipv4Key, src) : offsetof(acl::Ipv4Key, dst));
    std::memcpy(&sport, key + offsetof(acl::Ipv4Key, sport), 2);
    std::memcpy(&dport, key + offsetof(acl::Ipv4Key, dport), 2);
  }
  sport = ntohs(sport);
  dport = ntohs(dport);
  const uint8_t proto = key[0];
  for (const SgSetRule& r : rules)
    if (acl::nacl::matches_service(r.match, proto, sport, dport) && sets.contains(r.set, peer, ipv6))
      return r.match.number;
  return 0;
}

}  // namespace vfpath
