#include "daemon/xdp_programs.h"

#include <unistd.h>

#include "control/xdp_config.h"
#include "dataplane/overlay_snapshot.h"

#ifndef VFPATH_XDP_OBJECT
#define VFPATH_XDP_OBJECT ""
#endif
#ifndef VFPATH_XDP_INSTALLED_OBJECT
#define VFPATH_XDP_INSTALLED_OBJECT ""
#endif

namespace vfpath::daemon {
namespace {

// The value of `key=` among the comma-separated devargs, or "".
std::string devarg(const std::string& devargs, const std::string& key) {
  size_t at = 0;
  while ((at = devargs.find(',', at)) != std::string::npos) {
    ++at;
    if (devargs.compare(at, key.size() + 1, key + "=") == 0) {
      const size_t begin = at + key.size() + 1;
      return devargs.substr(begin, devargs.find(',', begin) - begin);
    }
  }
  return "";
}

}  // namespace

std::string with_xdp_program(const std::string& devargs, const std::string& object) {
  if (!control::is_af_xdp_devargs(devargs) || object.empty() || !devarg(devargs, "xdp_prog").empty()) return devargs;
  return devargs + ",xdp_prog=" + object;
}

std::string af_xdp_interface(const std::string& devargs) { return control::is_af_xdp_devargs(devargs) ? devarg(devargs, "iface") : ""; }

std::string xdp_object_path(const std::string& configured) {
  if (!configured.empty()) return configured;
  for (const char* p : {VFPATH_XDP_OBJECT, VFPATH_XDP_INSTALLED_OBJECT})
    if (*p && access(p, R_OK) == 0) return p;
  return "";
}

XdpPrograms::XdpPrograms(const config::v1::Config& config, const std::map<std::string, uint16_t>& ports,
                         const std::string& object, bool native) {
  for (const auto& p : config.ports()) {
    const std::string iface = af_xdp_interface(p.devargs());
    if (iface.empty()) continue;
    if (object.empty() && devarg(p.devargs(), "xdp_prog").empty())
      throw xdp::XdpError("port " + p.name() + ": no XDP program object was found to load (--xdp-program)");
    const std::string mode = xdp::XdpPort::attach_mode(iface);
    if (native && mode != "native")
      throw xdp::XdpError("port " + p.name() + ": " + iface + " runs XDP in " + (mode.empty() ? "no" : mode) +
                          " mode, not native (--xdp-mode native): its driver has no native XDP");
    const bool uplink = config.underlay().port() == p.name();
    const bool host_pass = p.has_xdp_host_pass() ? p.xdp_host_pass() : uplink;
    ports_.push_back(Port{ports.at(p.name()), uplink, host_pass, mode, xdp::XdpPort::open(iface)});
  }
}

void XdpPrograms::apply(const Snapshot& s) {
  std::lock_guard lock(mutex_);
  for (Port& p : ports_) {
    xdp::PortProgram prog;
    prog.blocked4 = s.xdp_block4;
    prog.blocked6 = s.xdp_block6;
    prog.host_pass = p.host_pass;
    if (p.uplink) {
      prog.role = VFP_XDP_ROLE_UPLINK;
      if (s.overlay) {
        const encap::DecapConfig& d = s.overlay->decap;
        if (d.has_v4) prog.underlay_v4 = d.local_v4;
        if (d.has_v6) prog.underlay_v6 = d.local_v6;
        prog.vxlan_port = d.vxlan_port;
        prog.geneve_port = d.geneve_port;
      }
    } else {
      prog.role = VFP_XDP_ROLE_ENI;
      for (const EniEntry& e : s.enis)
        if (e.port == p.id) prog.enis.push_back(xdp::EniMatch{e.mac, e.vlan, e.counter_slot, e.syn_pps, e.syn_burst});
    }
    try {
      p.maps.apply(prog);
    } catch (const xdp::XdpError& e) {
      throw xdp::XdpError("the XDP maps of " + p.maps.name() + ": " + e.what());
    }
  }
}

ExternalCounters XdpPrograms::counters() const {
  std::lock_guard lock(mutex_);
  uint64_t by_kind[VFP_XDP_COUNTERS] = {};
  std::map<uint32_t, std::pair<uint64_t, uint64_t>> by_slot;  // slot -> (blocked, SYN flood), non-zero only
  for (const Port& p : ports_) {
    const xdp::Counters c = p.maps.read();
    for (int k = 0; k < VFP_XDP_COUNTERS; ++k) by_kind[k] += c.by_kind[k];
    for (uint32_t s = 0; s < c.eni_blocked.size(); ++s)
      if (c.eni_blocked[s] || c.eni_syn_flood[s]) {
        by_slot[s].first += c.eni_blocked[s];
        by_slot[s].second += c.eni_syn_flood[s];
      }
  }
  ExternalCounters out;
  for (int k = 0; k < VFP_XDP_COUNTERS; ++k) {
    const auto kind = static_cast<vfp_xdp_counter>(k);
    const bool drop = kind != VFP_XDP_REDIRECTED && kind != VFP_XDP_HOST;
    (drop ? out.drops : out.counters).emplace_back(xdp::counter_name(kind), by_kind[k]);
  }
  for (const auto& [slot, d] : by_slot)
    out.eni_drops[slot] = {{xdp::counter_name(VFP_XDP_BLOCKED), d.first}, {xdp::counter_name(VFP_XDP_SYN_FLOOD), d.second}};
  return out;
}

std::string XdpPrograms::describe() const {
  std::string out;
  for (const Port& p : ports_) out += (out.empty() ? "" : ", ") + p.maps.name() + " " + p.mode;
  return out;
}

}  // namespace vfpath::daemon
