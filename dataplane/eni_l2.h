// The L2 header of every frame the router sends an ENI's VM: to the ENI's
// MAC from the router's, 802.1Q-tagged with the ENI's VLAN when it has one.
#pragma once

#include <cstdint>
#include <cstring>

#include "dataplane/snapshot.h"
#include "packet/net_headers.h"

namespace vfpath {

inline uint16_t eni_l2_length(const EniEntry& eni) {
  return static_cast<uint16_t>(sizeof(wire::EthernetHeader) + (eni.vlan ? sizeof(wire::VlanTag) : 0));
}

// Writes eni_l2_length(eni) bytes at `at`; `ether_type` is what follows.
inline void write_eni_l2(uint8_t* at, const EniEntry& eni, const MacAddr& router_mac, uint16_t ether_type) {
  auto* eth = reinterpret_cast<wire::EthernetHeader*>(at);
  std::memcpy(eth->dst, eni.mac.bytes.data(), 6);
  std::memcpy(eth->src, router_mac.bytes.data(), 6);
  const be16 type = be16::from_host(ether_type);
  if (eni.vlan) {
    eth->ether_type = be16::from_host(wire::kEtherTypeVlan);
    auto* tag = reinterpret_cast<wire::VlanTag*>(eth + 1);
    tag->tci = be16::from_host(eni.vlan);
    tag->ether_type = type;
  } else {
    eth->ether_type = type;
  }
}

}  // namespace vfpath
