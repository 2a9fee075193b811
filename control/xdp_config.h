// The XDP section of the configuration (`xdp.block`) and the ENIs' SYN
// allowances: checked while the model is built, carried into the snapshot
// for the XDP map writer (daemon/xdp_programs.h).
#pragma once

#include <string>
#include <vector>

#include "control/validate.h"
#include "control/vfpath.pb.h"
#include "packet/addr.h"

namespace vfpath::control {

inline constexpr size_t kMaxXdpBlocked = 65536;  // per family (= VFP_XDP_MAX_BLOCKED)
inline constexpr uint32_t kMaxSynPps = 10000000;

struct XdpModel {
  std::vector<Ipv4Prefix> block4;
  std::vector<Ipv6Prefix> block6;
};

// A DPDK net_af_xdp device: its port runs vfpath's XDP program.
inline bool is_af_xdp_devargs(const std::string& devargs) { return devargs.rfind("net_af_xdp", 0) == 0; }

void build_xdp(const config::v1::Config& c, XdpModel& out, std::vector<ConfigError>& errors);

}  // namespace vfpath::control
