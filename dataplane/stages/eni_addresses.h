// Whether an address is one of an ENI's own. ENIs hold a handful of addresses
// (AWS allows at most 50 per ENI), so a scan beats any index.
#pragma once

#include "dataplane/snapshot.h"

namespace vfpath {

inline bool eni_owns(const EniEntry& e, Ipv4Addr a) {
  for (const Ipv4Addr& x : e.ipv4)
    if (x == a) return true;
  return false;
}

inline bool eni_owns(const EniEntry& e, const Ipv6Addr& a) {
  for (const Ipv6Addr& x : e.ipv6)
    if (x == a) return true;
  return false;
}

}  // namespace vfpath
