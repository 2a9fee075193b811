// vfpathd's side of the XDP program (vfpath_xdp.bpf.c): finds the program
// the net_af_xdp PMD attached to an interface (from the xdp_prog= file),
// opens its maps and writes them — role, the ENIs whose frames are the
// appliance's, the underlay address, blocked prefixes, SYN allowances —
// and reads its per-CPU counters. Every push changes maps only; the
// program is never reloaded. libbpf; the calling thread must be in the
// interface's network namespace when opening.
#pragma once

#include <cstdint>
#include <array>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "packet/addr.h"
#include "xdp/xdp_abi.h"

namespace vfpath::xdp {

class XdpError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct EniMatch {
  MacAddr mac;
  uint16_t vlan = 0;
  uint32_t slot = 0;
  uint32_t syn_pps = 0;    // new TCP connections per second; 0: unlimited
  uint32_t syn_burst = 0;  // 0: a second's worth
};

// What one port's program is to do.
struct PortProgram {
  vfp_xdp_role role = VFP_XDP_ROLE_UNSET;
  bool host_pass = false;  // frames not the appliance's to the host
  std::vector<EniMatch> enis;            // ENI role
  std::optional<Ipv4Addr> underlay_v4;   // uplink role
  std::optional<Ipv6Addr> underlay_v6;
  uint16_t vxlan_port = 0, geneve_port = 0;  // host order; 0: none
  std::vector<Ipv4Prefix> blocked4;
  std::vector<Ipv6Prefix> blocked6;
};

struct Counters {
  uint64_t by_kind[VFP_XDP_COUNTERS] = {};
  // Per ENI slot: sources blocked, SYNs over the allowance.
  std::vector<uint64_t> eni_blocked, eni_syn_flood;  // VFP_XDP_MAX_ENIS each
};

// The program's map names, and the counter names vfpathd reports them under.
const char* counter_name(vfp_xdp_counter c);

class XdpPort {
 public:
  // The program attached to `ifname`; throws XdpError when there is none
  // or it is not vfpath's (a map missing).
  static XdpPort open(const std::string& ifname);
  // Over an already loaded program's fd (tests).
  static XdpPort from_program_fd(int prog_fd, const std::string& what);
  XdpPort(XdpPort&& o) noexcept;
  XdpPort& operator=(XdpPort&&) = delete;
  XdpPort(const XdpPort&) = delete;
  ~XdpPort();

  // Makes the maps say `p`: entries not in it are deleted, so a push that
  // removes an ENI or a prefix takes it out. Throws XdpError on a map write
  // failure (e.g. more prefixes than VFP_XDP_MAX_BLOCKED).
  void apply(const PortProgram& p);
  Counters read() const;
  // "native" or "generic": how the program is attached to `ifname` (empty: not attached).
  static std::string attach_mode(const std::string& ifname);
  const std::string& name() const { return name_; }

 private:
  XdpPort();
  std::string name_;
  // The program's maps, by the names vfpath_xdp.bpf.c gives them.
  enum Map { kConfig, kEnis, kBlock4, kBlock6, kSyn, kCounters, kEniDrops, kMaps };
  static constexpr const char* kMapNames[kMaps] = {"vfp_config", "vfp_enis", "vfp_block4", "vfp_block6",
                                                      "vfp_syn", "vfp_counters", "vfp_eni_drops"};
  std::array<int, kMaps> fd_;
};

}  // namespace vfpath::xdp
