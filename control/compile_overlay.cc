#include "control/compile_overlay.h"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "control/overlay_config.h"
#include "encap/mtu.h"

namespace vfpath::control {
namespace {

std::optional<encap::EncapTemplate> build_template(const UnderlayModel& u, const MacAddr& local_mac,
                                                   const encap::UnderlayIp& local, uint32_t vni) {
  encap::EncapSpec spec;
  spec.type = u.tunnel;
  spec.local = local;
  spec.local_mac = local_mac;
  spec.next_hop_mac = u.next_hop_mac;
  spec.vni = vni;
  spec.udp_checksum = local.ipv6 ? u.checksum6 : u.checksum4;
  spec.udp_dst_port = u.udp_port;
  auto t = encap::EncapTemplate::build(spec);
  if (!t) throw std::logic_error("compile_overlay: template refused for VNI " + std::to_string(vni));
  return t;
}

// Distinct subnet prefix lengths, longest first (the first hit is the subnet:
// subnets of a VPC do not overlap).
void add_length(std::vector<uint8_t>& lengths, uint8_t len) {
  if (std::find(lengths.begin(), lengths.end(), len) == lengths.end()) lengths.push_back(len);
  std::sort(lengths.rbegin(), lengths.rend());
}

}  // namespace

std::shared_ptr<const OverlaySnapshot> compile_overlay(const Model& m, const UnderlayModel& u, const PortIds& ports,
                                                       const OverlayBinding& binding, const Snapshot& s) {
  if (!binding.mappings) throw std::logic_error("compile_overlay: an underlay without a mapping table");
  auto o = std::make_shared<OverlaySnapshot>();
  o->uplink_port = ports.at(u.port);
  o->mappings = binding.mappings;
  const MacAddr local_mac = u.mac ? *u.mac : s.router_mac;
  o->underlay_mac = local_mac;
  std::optional<encap::UnderlayIp> local4, local6;
  if (u.ipv4) local4 = encap::UnderlayIp::v4(*u.ipv4);
  if (u.ipv6) local6 = encap::UnderlayIp::v6(*u.ipv6);

  encap::DecapConfig& d = o->decap;
  d.has_v4 = local4.has_value();
  d.has_v6 = local6.has_value();
  if (local4) d.local_v4 = Ipv4Addr{be32::from_raw(local4->addr.words[0])};
  if (local6) d.local_v6 = Ipv6Addr::from(local6->addr.bytes);
  const bool geneve = u.tunnel == encap::TunnelType::kGeneve;
  d.vxlan_port = geneve ? 0 : u.udp_port;
  d.geneve_port = geneve ? u.udp_port : 0;

  o->vpc_of_key.assign(kMaxOverlayVpcs, 0xffff);
  o->vpcs.resize(s.vpc_ids.size());
  const uint16_t mtu = u.mtu;
  for (size_t i = 0; i < m.vpcs.size(); ++i) {
    const VpcModel& v = m.vpcs[i];
    VpcOverlay& vo = o->vpcs[i];
    if (v.vni == 0) continue;
    auto key = binding.vpc_keys.find(v.id);
    if (key == binding.vpc_keys.end() || key->second >= kMaxOverlayVpcs)
      throw std::logic_error("compile_overlay: VPC " + v.id + " has no mapping-table key");
    vo.vni = v.vni;
    vo.table_key = key->second;
    o->vpc_of_key[vo.table_key] = static_cast<uint16_t>(i);
    if (!o->vnis.add(vo.vni, vo.table_key)) throw std::logic_error("compile_overlay: VNI map full");
    if (local4) {
      vo.to_v4 = build_template(u, local_mac, *local4, vo.vni);
      vo.inner_mtu_v4 = encap::inner_mtu(mtu, vo.to_v4->overhead());
    }
    if (local6) {
      vo.to_v6 = build_template(u, local_mac, *local6, vo.vni);
      vo.inner_mtu_v6 = encap::inner_mtu(mtu, vo.to_v6->overhead());
    }
  }

  std::vector<std::pair<RouteKey, uint16_t>> by_prefix;
  for (uint16_t i = 0; i < s.subnets.size(); ++i) {
    const SubnetEntry& sn = s.subnets[i];
    VpcOverlay& vo = o->vpcs[sn.vpc];
    if (sn.has_ipv4) {
      by_prefix.emplace_back(subnet_prefix_key(sn.vpc, false, reinterpret_cast<const uint8_t*>(&sn.cidr4.addr),
                                               sn.cidr4.len), i);
      add_length(vo.subnet_lengths4, sn.cidr4.len);
    }
    if (sn.has_ipv6) {
      by_prefix.emplace_back(subnet_prefix_key(sn.vpc, true, sn.cidr6.addr.bytes.data(), sn.cidr6.len), i);
      add_length(vo.subnet_lengths6, sn.cidr6.len);
    }
  }
  auto built = FlatMap<RouteKey, uint16_t>::build(by_prefix);
  if (!built) throw std::logic_error("compile_overlay: overlapping subnets in a validated config");
  o->subnet_by_prefix = std::move(*built);
  return o;
}

}  // namespace vfpath::control
