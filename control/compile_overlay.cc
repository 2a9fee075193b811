#include "control/compile_overlay.h"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "control/overlay_config.h"
#include "packet/text_address.h"
#include "encap/mtu.h"

namespace vfpath::control {
namespace {

std::optional<encap::EncapTemplate> build_template(const config::v1::Underlay& u, const MacAddr& local_mac,
                                                   const encap::UnderlayIp& local, uint32_t vni) {
  encap::EncapSpec spec;
  spec.type = tunnel_type(u);
  spec.local = local;
  spec.local_mac = local_mac;
  spec.next_hop_mac = *parse_mac(u.next_hop_mac());
  spec.vni = vni;
  spec.udp_checksum = udp_checksum_mode(u, local.ipv6);
  spec.udp_dst_port = tunnel_udp_port(u);
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

std::shared_ptr<const OverlaySnapshot> compile_overlay(const config::v1::Config& c, const PortIds& ports,
                                                       const OverlayBinding& binding, const Snapshot& s) {
  const config::v1::Underlay& u = c.underlay();
  if (!binding.mappings) throw std::logic_error("compile_overlay: an underlay without a mapping table");
  auto o = std::make_shared<OverlaySnapshot>();
  o->uplink_port = ports.at(u.port());
  o->mappings = binding.mappings;
  const MacAddr local_mac = u.mac().empty() ? s.router_mac : *parse_mac(u.mac());
  o->underlay_mac = local_mac;
  std::optional<encap::UnderlayIp> local4, local6;
  if (!u.ipv4().empty()) local4 = encap::UnderlayIp::v4(*parse_ipv4(u.ipv4()));
  if (!u.ipv6().empty()) local6 = encap::UnderlayIp::v6(*parse_ipv6(u.ipv6()));

  encap::DecapConfig& d = o->decap;
  d.has_v4 = local4.has_value();
  d.has_v6 = local6.has_value();
  if (local4) d.local_v4 = Ipv4Addr{be32::from_raw(local4->addr.words[0])};
  if (local6) d.local_v6 = Ipv6Addr::from(local6->addr.bytes);
  const bool geneve = tunnel_type(u) == encap::TunnelType::kGeneve;
  d.vxlan_port = geneve ? 0 : tunnel_udp_port(u);
  d.geneve_port = geneve ? tunnel_udp_port(u) : 0;

  o->vpc_of_key.assign(kMaxOverlayVpcs, 0xffff);
  o->vpcs.resize(s.vpc_ids.size());
  const uint16_t mtu = underlay_mtu(u);
  for (int i = 0; i < c.vpcs_size(); ++i) {
    const auto& v = c.vpcs(i);
    VpcOverlay& vo = o->vpcs[i];
    if (v.vni() == 0) continue;
    auto key = binding.vpc_keys.find(v.id());
    if (key == binding.vpc_keys.end() || key->second >= kMaxOverlayVpcs)
      throw std::logic_error("compile_overlay: VPC " + v.id() + " has no mapping-table key");
    vo.vni = v.vni();
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
