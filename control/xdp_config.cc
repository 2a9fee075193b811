#include "control/xdp_config.h"

#include <cstring>

#include "acl/cidr.h"

namespace vfpath::control {

void build_xdp(const config::v1::Config& c, XdpModel& out, std::vector<ConfigError>& errors) {
  for (int i = 0; i < c.xdp().block_size(); ++i) {
    const std::string path = "xdp.block[" + std::to_string(i) + "]";
    auto cidr = acl::parse_cidr(c.xdp().block(i), acl::HostBits::kReject);
    if (!cidr) {
      errors.push_back({path, "\"" + c.xdp().block(i) + "\" is not a prefix or address (" + cidr.error().message + ")"});
      continue;
    }
    const acl::Cidr& p = cidr.value();
    if (p.family == acl::Family::kIpv4) {
      Ipv4Prefix v;
      std::memcpy(&v.addr.value, p.addr.bytes.data(), 4);
      v.len = p.len;
      out.block4.push_back(v);
    } else {
      Ipv6Prefix v;
      std::memcpy(v.addr.bytes.data(), p.addr.bytes.data(), 16);
      v.len = p.len;
      out.block6.push_back(v);
    }
  }
  if (out.block4.size() > kMaxXdpBlocked || out.block6.size() > kMaxXdpBlocked)
    errors.push_back({"xdp.block", "at most " + std::to_string(kMaxXdpBlocked) + " prefixes per family"});
  for (int i = 0; i < c.enis_size(); ++i) {
    const auto& l = c.enis(i).limits();
    const std::string p = "enis[" + std::to_string(i) + "].limits.";
    if (l.syn_pps() > kMaxSynPps)
      errors.push_back({p + "syn_pps", std::to_string(l.syn_pps()) + " is over " + std::to_string(kMaxSynPps)});
    if (l.syn_burst() && !l.syn_pps()) errors.push_back({p + "syn_burst", "needs syn_pps"});
  }
}

}  // namespace vfpath::control
