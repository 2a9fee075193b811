// Whether an address is one of an ENI's own. ENIs hold a handful of addresses
// (AWS allows at most 50 per ENI), so a scan beats any index.
#pragma once

#include "dataplane/snapshot.h"

namespace vfpath {

// Which of the ENI's addresses of its family `a` is (its index), or -1.
inline int address_index(const EniEntry& e, Ipv4Addr a) {
  for (size_t k = 0; k < e.ipv4.size(); ++k)
    if (e.ipv4[k] == a) return static_cast<int>(k);
  return -1;
}

inline int address_index(const EniEntry& e, const Ipv6Addr& a) {
  for (size_t k = 0; k < e.ipv6.size(); ++k)
    if (e.ipv6[k] == a) return static_cast<int>(k);
  return -1;
}

inline bool eni_owns(const EniEntry& e, Ipv4Addr a) { return address_index(e, a) >= 0; }
inline bool eni_owns(const EniEntry& e, const Ipv6Addr& a) { return address_index(e, a) >= 0; }

// The Elastic IP of the ENI's private address `a`, or null.
inline const Ipv4Addr* public_of(const EniEntry& e, Ipv4Addr a) {
  for (const auto& [priv, pub] : e.public_ipv4)
    if (priv == a) return &pub;
  return nullptr;
}

}  // namespace vfpath
