#include "control/xdp_config.h"

#include <cstring>
#include <set>

#include "acl/cidr.h"

namespace vfpath::control {

void build_xdp(const config::v1::Config& c, XdpModel& out, std::vector<ConfigError>& errors) {
  // What only the XDP program enforces needs a port that runs it: else it
  // would be accepted and silently not applied.
  bool any_af_xdp = false;
  std::set<std::string> af_xdp_ports;
  for (int i = 0; i < c.ports_size(); ++i) {
    const auto& p = c.ports(i);
    if (is_af_xdp_devargs(p.devargs())) {
      any_af_xdp = true;
      af_xdp_ports.insert(p.name());
    } else if (p.has_xdp_host_pass()) {
      errors.push_back({"ports[" + std::to_string(i) + "].xdp_host_pass",
                        "is for net_af_xdp ports (the XDP program decides it); " + quoted(p.devargs()) + " is not one"});
    }
  }
  if (c.xdp().block_size() > 0 && !any_af_xdp)
    errors.push_back({"xdp.block", "no port is net_af_xdp: nothing would apply the block list"});
  for (int i = 0; i < c.xdp().block_size(); ++i) {
    const std::string path = "xdp.block[" + std::to_string(i) + "]";
    auto cidr = acl::parse_cidr(c.xdp().block(i), acl::HostBits::kReject);
    if (!cidr) {
      errors.push_back({path, cidr.error().message});
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
    if (l.syn_pps() && !af_xdp_ports.count(c.enis(i).port()))
      errors.push_back({p + "syn_pps", "is enforced by the XDP program of a net_af_xdp port; port " +
                                           quoted(c.enis(i).port()) + " is not one"});
  }
}

}  // namespace vfpath::control
