// vfpathd's XDP programs (xdp/README.md): every net_af_xdp port of the
// configuration runs vfpath's XDP program instead of the PMD's default one
// (its devargs get xdp_prog=<the object>), and after every publish the
// programs' maps are made to say what the snapshot in force says: the ENIs
// on the port (their frames go to the appliance, anything else to the
// host), the underlay address (the uplink), xdp.block, the ENIs' SYN
// allowances. Their counters are added to vfpathd's.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "control/vfpath.pb.h"
#include "dataplane/snapshot.h"
#include "dataplane/stats_view.h"
#include "xdp/xdp_maps.h"

namespace vfpath::daemon {

// `devargs` with xdp_prog=`object` added when it is a net_af_xdp device
// that names no program of its own; other devargs unchanged.
std::string with_xdp_program(const std::string& devargs, const std::string& object);
// The object vfpathd loads: `configured` if set, else the build tree's, else the installed one.
std::string xdp_object_path(const std::string& configured);
// "iface" of net_af_xdp devargs, or "" when `devargs` is not one.
std::string af_xdp_interface(const std::string& devargs);

class XdpPrograms final {
 public:
  // Opens the program of each net_af_xdp port of `config` (`ports`: name ->
  // DPDK id). `native`: refuse a port whose program runs in generic (skb)
  // mode. Throws xdp::XdpError saying which port and why.
  // `object`: the program the ports were given (with_xdp_program).
  XdpPrograms(const config::v1::Config& config, const std::map<std::string, uint16_t>& ports,
              const std::string& object, bool native);
  bool empty() const { return ports_.empty(); }
  // Writes every port's maps from `s`; throws xdp::XdpError naming the port.
  void apply(const Snapshot& s);
  // Their counters summed over ports and CPUs, as vfpathd reports them:
  // the drops (globally and per ENI slot) and what went where.
  ExternalCounters counters() const;
  // "eth1 native, eth2 generic"
  std::string describe() const;

 private:
  struct Port {
    uint16_t id;
    bool uplink;
    bool host_pass;
    std::string mode;
    xdp::XdpPort maps;
  };
  mutable std::mutex mutex_;
  std::vector<Port> ports_;
};

}  // namespace vfpath::daemon
