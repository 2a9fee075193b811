#include "xdp/xdp_maps.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <utility>

namespace vfpath::xdp {
namespace {

std::string why(int err) { return std::strerror(err < 0 ? -err : err); }

// Deletes every key of a hash or LPM map not in `keep`.
template <class Key>
void delete_others(int fd, const std::set<std::vector<uint8_t>>& keep) {
  std::vector<Key> gone;
  Key k{}, next{};
  const Key* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    const auto* b = reinterpret_cast<const uint8_t*>(&next);
    if (!keep.count(std::vector<uint8_t>(b, b + sizeof next))) gone.push_back(next);
    k = next;
    prev = &k;
  }
  for (const Key& g : gone) bpf_map_delete_elem(fd, &g);
}

template <class T>
std::vector<uint8_t> bytes_of(const T& v) {
  const auto* b = reinterpret_cast<const uint8_t*>(&v);
  return std::vector<uint8_t>(b, b + sizeof v);
}

void update(int fd, const void* key, const void* value, const char* map) {
  if (bpf_map_update_elem(fd, key, value, BPF_ANY) != 0)
    throw XdpError(std::string("cannot write the XDP map ") + map + ": " + why(errno));
}

}  // namespace

const char* counter_name(vfp_xdp_counter c) {
  switch (c) {
    case VFP_XDP_REDIRECTED: return "xdp_redirected";
    case VFP_XDP_HOST: return "xdp_host";
    case VFP_XDP_BLOCKED: return "xdp_blocked";
    case VFP_XDP_SYN_FLOOD: return "xdp_syn_flood";
    case VFP_XDP_UNDERLAY_FRAGMENT: return "xdp_underlay_fragment";
    case VFP_XDP_UNDERLAY_MALFORMED: return "xdp_underlay_malformed";
    default: return "xdp_unknown";
  }
}

XdpPort::XdpPort() { fd_.fill(-1); }

XdpPort::XdpPort(XdpPort&& o) noexcept : name_(std::move(o.name_)), fd_(o.fd_) { o.fd_.fill(-1); }

XdpPort::~XdpPort() {
  for (int fd : fd_)
    if (fd >= 0) close(fd);
}

XdpPort XdpPort::from_program_fd(int prog_fd, const std::string& what) {
  bpf_prog_info info{};
  uint32_t len = sizeof info;
  if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) != 0) throw XdpError(what + ": cannot read its XDP program: " + why(errno));
  std::vector<uint32_t> ids(info.nr_map_ids);
  bpf_prog_info with_maps{};
  with_maps.nr_map_ids = info.nr_map_ids;
  with_maps.map_ids = reinterpret_cast<uint64_t>(ids.data());
  len = sizeof with_maps;
  if (bpf_obj_get_info_by_fd(prog_fd, &with_maps, &len) != 0)
    throw XdpError(what + ": cannot list its XDP program's maps: " + why(errno));
  XdpPort p;
  p.name_ = what;
  for (uint32_t id : ids) {
    const int fd = bpf_map_get_fd_by_id(id);
    if (fd < 0) continue;
    bpf_map_info m{};
    uint32_t mlen = sizeof m;
    if (bpf_obj_get_info_by_fd(fd, &m, &mlen) != 0) {
      close(fd);
      continue;
    }
    int* slot = nullptr;
    for (int k = 0; k < kMaps; ++k)
      if (std::strcmp(m.name, kMapNames[k]) == 0 && p.fd_[k] < 0) slot = &p.fd_[k];
    if (slot) *slot = fd;
    else close(fd);
  }
  for (int k = 0; k < kMaps; ++k)
    if (p.fd_[k] < 0)
      throw XdpError(what + ": the XDP program attached is not vfpath's (it has no map " + kMapNames[k] + ")");
  return p;
}

XdpPort XdpPort::open(const std::string& ifname) {
  const int ifindex = static_cast<int>(if_nametoindex(ifname.c_str()));
  if (ifindex == 0) throw XdpError("no interface " + ifname);
  uint32_t id = 0;
  if (bpf_xdp_query_id(ifindex, 0, &id) != 0 || id == 0) throw XdpError(ifname + " has no XDP program attached");
  const int fd = bpf_prog_get_fd_by_id(id);
  if (fd < 0) throw XdpError(ifname + ": cannot open its XDP program: " + why(errno));
  try {
    XdpPort p = from_program_fd(fd, ifname);
    close(fd);
    return p;
  } catch (...) {
    close(fd);
    throw;
  }
}

std::string XdpPort::attach_mode(const std::string& ifname) {
  const int ifindex = static_cast<int>(if_nametoindex(ifname.c_str()));
  LIBBPF_OPTS(bpf_xdp_query_opts, q);
  if (ifindex == 0 || bpf_xdp_query(ifindex, 0, &q) != 0) return "";
  switch (q.attach_mode) {
    case XDP_ATTACHED_DRV: return "native";
    case XDP_ATTACHED_SKB: return "generic";
    case XDP_ATTACHED_HW: return "offload";
    case XDP_ATTACHED_MULTI: return "multi";
    default: return "";
  }
}

void XdpPort::apply(const PortProgram& p) {
  // Contents first, the role last: a port turns selective only once it
  // knows what is the appliance's.
  std::set<std::vector<uint8_t>> keep;
  for (const EniMatch& e : p.enis) {
    vfp_xdp_eni_key k{};
    std::memcpy(k.mac, e.mac.bytes.data(), 6);
    k.vlan = e.vlan;
    const vfp_xdp_eni v{e.slot};
    update(fd_[kEnis], &k, &v, "vfp_enis");
    keep.insert(bytes_of(k));
    if (e.slot >= VFP_XDP_MAX_ENIS) continue;
    vfp_xdp_syn_bucket b{};
    const uint32_t key = e.slot;
    bpf_map_lookup_elem(fd_[kSyn], &key, &b);  // keep its tokens across pushes
    const bool changed = b.rate != e.syn_pps;
    b.rate = e.syn_pps;
    b.burst = e.syn_pps == 0 ? 0 : (e.syn_burst ? e.syn_burst : e.syn_pps);
    if (changed) {
      b.tokens = uint64_t{b.burst} * 1000;
      b.last_ns = 0;
    }
    if (bpf_map_update_elem(fd_[kSyn], &key, &b, BPF_ANY | BPF_F_LOCK) != 0 &&
        bpf_map_update_elem(fd_[kSyn], &key, &b, BPF_ANY) != 0)
      throw XdpError(std::string("cannot write the XDP map vfp_syn: ") + why(errno));
  }
  delete_others<vfp_xdp_eni_key>(fd_[kEnis], keep);
  if (p.blocked4.size() > VFP_XDP_MAX_BLOCKED || p.blocked6.size() > VFP_XDP_MAX_BLOCKED)
    throw XdpError("more than " + std::to_string(VFP_XDP_MAX_BLOCKED) + " blocked prefixes of a family");
  const uint8_t one = 1;
  keep.clear();
  for (const Ipv4Prefix& b : p.blocked4) {
    vfp_xdp_lpm4 k{};
    k.prefixlen = b.len;
    std::memcpy(k.addr, &b.addr.value, 4);
    update(fd_[kBlock4], &k, &one, "vfp_block4");
    keep.insert(bytes_of(k));
  }
  delete_others<vfp_xdp_lpm4>(fd_[kBlock4], keep);
  keep.clear();
  for (const Ipv6Prefix& b : p.blocked6) {
    vfp_xdp_lpm6 k{};
    k.prefixlen = b.len;
    std::memcpy(k.addr, b.addr.bytes.data(), 16);
    update(fd_[kBlock6], &k, &one, "vfp_block6");
    keep.insert(bytes_of(k));
  }
  delete_others<vfp_xdp_lpm6>(fd_[kBlock6], keep);
  vfp_xdp_config c{};
  c.role = p.role;
  c.host_pass = p.host_pass ? 1 : 0;
  if (p.underlay_v4) {
    c.has_underlay_v4 = 1;
    std::memcpy(c.underlay_v4, &p.underlay_v4->value, 4);
  }
  if (p.underlay_v6) {
    c.has_underlay_v6 = 1;
    std::memcpy(c.underlay_v6, p.underlay_v6->bytes.data(), 16);
  }
  c.vxlan_port = htons(p.vxlan_port);
  c.geneve_port = htons(p.geneve_port);
  const uint32_t zero = 0;
  update(fd_[kConfig], &zero, &c, "vfp_config");
}

Counters XdpPort::read() const {
  Counters out;
  const int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) return out;
  std::vector<uint64_t> per_cpu(static_cast<size_t>(cpus));
  auto sum = [&](int fd, uint32_t key) {
    uint64_t total = 0;
    if (bpf_map_lookup_elem(fd, &key, per_cpu.data()) == 0)
      for (uint64_t v : per_cpu) total += v;
    return total;
  };
  for (uint32_t k = 0; k < VFP_XDP_COUNTERS; ++k) out.by_kind[k] = sum(fd_[kCounters], k);
  out.eni_blocked.assign(VFP_XDP_MAX_ENIS, 0);
  out.eni_syn_flood.assign(VFP_XDP_MAX_ENIS, 0);
  // Only slots that dropped anything matter; the global counters say whether to look.
  if (out.by_kind[VFP_XDP_BLOCKED] + out.by_kind[VFP_XDP_SYN_FLOOD] == 0) return out;
  for (uint32_t s = 0; s < VFP_XDP_MAX_ENIS; ++s) {
    out.eni_blocked[s] = sum(fd_[kEniDrops], s * 2);
    out.eni_syn_flood[s] = sum(fd_[kEniDrops], s * 2 + 1);
  }
  return out;
}

}  // namespace vfpath::xdp
