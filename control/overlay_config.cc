#include "control/overlay_config.h"

#include "control/model.h"

#include <set>

#include "encap/mtu.h"
#include "encap/wire.h"

namespace vfpath::control {

using config::v1::Config;
using config::v1::Underlay;

uint16_t underlay_mtu(const Underlay& u) {
  return static_cast<uint16_t>(u.mtu() ? u.mtu() : kDefaultUnderlayMtu);
}

uint32_t underlay_max_mappings(const Underlay& u) { return u.max_mappings() ? u.max_mappings() : kDefaultMaxMappings; }

encap::TunnelType tunnel_type(const Underlay& u) {
  return u.encapsulation() == Underlay::GENEVE ? encap::TunnelType::kGeneve : encap::TunnelType::kVxlan;
}

uint16_t tunnel_udp_port(const Underlay& u) {
  if (u.udp_port()) return static_cast<uint16_t>(u.udp_port());
  return tunnel_type(u) == encap::TunnelType::kGeneve ? wire::kUdpPortGeneve : wire::kUdpPortVxlan;
}

encap::UdpChecksumMode udp_checksum_mode(const Underlay& u, bool ipv6) {
  switch (u.udp_checksum()) {
    case Underlay::ZERO: return encap::UdpChecksumMode::kZero;
    case Underlay::SOFTWARE: return encap::UdpChecksumMode::kSoftware;
    case Underlay::OFFLOAD: return encap::UdpChecksumMode::kOffload;
    default: return ipv6 ? encap::UdpChecksumMode::kSoftware : encap::UdpChecksumMode::kZero;
  }
}

std::optional<encap::UnderlayIp> parse_ip(const std::string& text) {
  if (auto a = parse_ipv4(text)) return encap::UnderlayIp::v4(*a);
  if (auto a = parse_ipv6(text)) return encap::UnderlayIp::v6(*a);
  return std::nullopt;
}

std::string to_string(const encap::UnderlayIp& a) {
  if (a.ipv6) return to_string(Ipv6Addr::from(a.addr.bytes));
  return to_string(Ipv4Addr{be32::from_raw(a.addr.words[0])});
}

std::optional<OverlayKey> mapping_key(const std::string& vpc, const std::string& ip) {
  auto a = parse_ip(ip);
  if (!a) return std::nullopt;
  return OverlayKey{vpc, to_string(*a)};
}

std::optional<OverlayKey> route_key(const std::string& vpc, const std::string& prefix) {
  PrefixParse p = parse_prefix(prefix);
  if (!p.ok) return std::nullopt;
  std::string text = p.is_v6 ? to_string(p.v6.addr) + "/" + std::to_string(p.v6.len)
                             : to_string(p.v4.addr) + "/" + std::to_string(p.v4.len);
  return OverlayKey{vpc, text};
}

namespace {

std::string at(const char* list, int i) { return std::string(list) + "[" + std::to_string(i) + "]"; }

class OverlayValidator {
 public:
  OverlayValidator(const Config& c, const OverlayFacts& f, Model& m, std::vector<ConfigError>& errors)
      : c_(c), f_(f), m_(m), errors_(errors) {}

  void run() {
    if (c_.has_underlay()) underlay();
    vnis();
    if (!c_.has_underlay() && c_.mappings_size() + c_.overlay_routes_size() > 0)
      error(c_.mappings_size() ? "mappings" : "overlay_routes", "need an underlay (the configuration has none)");
    for (int i = 0; i < c_.mappings_size(); ++i) mapping(i);
    for (int i = 0; i < c_.overlay_routes_size(); ++i) route(i);
    if (c_.has_underlay()) {
      const uint64_t entries = uint64_t(c_.mappings_size()) + c_.overlay_routes_size();
      const uint32_t max = underlay_max_mappings(c_.underlay());
      if (entries > max)
        error("mappings", std::to_string(entries) + " mappings and overlay routes, more than underlay.max_mappings (" +
                              std::to_string(max) + ")");
    }
  }

 private:
  void error(std::string path, std::string message) {
    errors_.push_back(ConfigError{std::move(path), std::move(message)});
  }

  std::optional<MacAddr> unicast_mac(const std::string& text, const std::string& path) {
    auto m = parse_mac(text);
    if (!m) error(path, quoted(text) + " is not a MAC address (aa:bb:cc:dd:ee:ff)");
    else if (m->is_multicast()) error(path, quoted(text) + " is a multicast MAC");
    else return m;
    return std::nullopt;
  }

  void underlay() {
    const Underlay& u = c_.underlay();
    UnderlayModel& model = m_.underlay.emplace();
    model.port = u.port();
    model.mtu = underlay_mtu(u);
    model.max_mappings = underlay_max_mappings(u);
    model.tunnel = tunnel_type(u);
    model.udp_port = tunnel_udp_port(u);
    model.checksum4 = udp_checksum_mode(u, false);
    model.checksum6 = udp_checksum_mode(u, true);
    auto role = f_.port_roles.find(u.port());
    if (u.port().empty()) error("underlay.port", "is empty (a port with role UPLINK)");
    else if (role == f_.port_roles.end()) error("underlay.port", quoted(u.port()) + " is not a configured port");
    else if (role->second != config::v1::UPLINK) error("underlay.port", quoted(u.port()) + " is not a port with role UPLINK");
    if (u.ipv4().empty() && u.ipv6().empty()) error("underlay", "needs ipv4, ipv6 or both (our underlay address)");
    if (!u.ipv4().empty()) {
      auto a = parse_ipv4(u.ipv4());
      if (!a) error("underlay.ipv4", quoted(u.ipv4()) + " is not an IPv4 address");
      else if (a->host() == 0 || (a->host() >> 28) >= 0xe) error("underlay.ipv4", quoted(u.ipv4()) + " is not a unicast address");
      else local4_ = a;
    }
    if (!u.ipv6().empty()) {
      auto a = parse_ipv6(u.ipv6());
      if (!a) error("underlay.ipv6", quoted(u.ipv6()) + " is not an IPv6 address");
      else if (a->is_unspecified() || a->is_multicast()) error("underlay.ipv6", quoted(u.ipv6()) + " is not a unicast address");
      else local6_ = a;
    }
    // A family whose address is refused (or no address at all) is the
    // problem already: peers of that family are not also reported.
    unsure4_ = u.ipv4().empty() ? u.ipv6().empty() : !local4_;
    unsure6_ = u.ipv6().empty() ? u.ipv4().empty() : !local6_;
    model.ipv4 = local4_;
    model.ipv6 = local6_;
    if (!u.mac().empty()) model.mac = unicast_mac(u.mac(), "underlay.mac");
    if (u.next_hop_mac().empty()) error("underlay.next_hop_mac", "is empty (the MAC of the underlay gateway)");
    else if (auto m = unicast_mac(u.next_hop_mac(), "underlay.next_hop_mac")) model.next_hop_mac = *m;
    if (u.mtu() && (u.mtu() < kMinUnderlayMtu || u.mtu() > kMaxUnderlayMtu))
      error("underlay.mtu", std::to_string(u.mtu()) + " is outside " + std::to_string(kMinUnderlayMtu) + ".." +
                                std::to_string(kMaxUnderlayMtu));
    if (u.udp_port() > 65535) error("underlay.udp_port", std::to_string(u.udp_port()) + " is not a UDP port");
    if (u.udp_checksum() == Underlay::ZERO && !u.ipv6().empty())
      error("underlay.udp_checksum", "ZERO is not allowed with an IPv6 underlay (RFC 6935): use SOFTWARE or OFFLOAD");
    if (u.max_mappings() > kMaxMappingsLimit)
      error("underlay.max_mappings", std::to_string(u.max_mappings()) + " is more than " + std::to_string(kMaxMappingsLimit));
    ipv6_vpcs_need_1280();
  }

  // RFC 8200: an IPv6 link carries 1280; a tunnel that cannot is a broken
  // link (hosts ignore a Packet Too Big below 1280, RFC 8201).
  void ipv6_vpcs_need_1280() {
    const Underlay& u = c_.underlay();
    if (u.mtu() && (u.mtu() < kMinUnderlayMtu || u.mtu() > kMaxUnderlayMtu)) return;
    const uint16_t overhead = encap::encap_overhead(!u.ipv6().empty());  // the larger one when both
    const uint16_t inner = encap::inner_mtu(underlay_mtu(u), overhead);
    if (inner >= encap::kIpv6MinMtu) return;
    for (int i = 0; i < c_.vpcs_size(); ++i) {
      const auto& v = c_.vpcs(i);
      bool has_v6 = false;
      if (auto cidrs = f_.vpc_cidrs.find(v.id()); cidrs != f_.vpc_cidrs.end())
        for (const PrefixParse& p : cidrs->second) has_v6 = has_v6 || p.is_v6;
      if (v.vni() && has_v6) {
        error("underlay.mtu", std::to_string(underlay_mtu(u)) + " leaves " + std::to_string(inner) +
                                  " bytes for inner packets, below the 1280 IPv6 needs (VPC " + quoted(v.id()) +
                                  " has IPv6): at least " + std::to_string(encap::kIpv6MinMtu + overhead));
        return;
      }
    }
  }

  void vnis() {
    std::map<uint32_t, std::string> seen;
    for (int i = 0; i < c_.vpcs_size(); ++i) {
      const auto& v = c_.vpcs(i);
      if (v.vni() == 0) continue;
      std::string path = at("vpcs", i) + ".vni";
      if (!c_.has_underlay()) error(path, "is set but the configuration has no underlay");
      if (v.vni() > wire::kVniMax) {
        error(path, std::to_string(v.vni()) + " is not a VNI (1..16777215)");
        continue;
      }
      auto [it, fresh] = seen.emplace(v.vni(), v.id());
      if (!fresh) error(path, std::to_string(v.vni()) + " is already the VNI of VPC " + quoted(it->second));
      else {
        vpc_vni_.emplace(v.id(), v.vni());
        m_.vpcs[i].vni = v.vni();
      }
    }
  }

  // The VPC of a mapping or route: configured and on the overlay.
  bool overlay_vpc(const std::string& vpc, const std::string& path) {
    if (!f_.vpc_cidrs.count(vpc)) return error(path, quoted(vpc) + " is not a configured VPC"), false;
    if (!vpc_vni_.count(vpc)) return error(path, "VPC " + quoted(vpc) + " has no VNI (it is not on the overlay)"), false;
    return true;
  }

  // The host a mapping or route points to: a unicast address of a family we
  // have an underlay address of, and not our own.
  // Returns the address when it is one of those.
  std::optional<encap::UnderlayIp> underlay_peer(const std::string& text, const std::string& path) {
    if (!c_.has_underlay()) return std::nullopt;  // reported once, above
    auto a = parse_ip(text);
    if (!a) return error(path, quoted(text) + " is not an IPv4 or IPv6 address"), std::nullopt;
    if (a->ipv6 ? !local6_ : !local4_) {
      if (a->ipv6 ? unsure6_ : unsure4_) return std::nullopt;
      return error(path, quoted(text) + " is " + (a->ipv6 ? "IPv6" : "IPv4") + " but the underlay has no " +
                             (a->ipv6 ? "ipv6" : "ipv4") + " address"), std::nullopt;
    }
    if ((a->ipv6 && *a == encap::UnderlayIp::v6(*local6_)) || (!a->ipv6 && *a == encap::UnderlayIp::v4(*local4_)))
      return error(path, quoted(text) + " is this appliance's own underlay address (local ENIs need no mapping)"), std::nullopt;
    return a;
  }

  void mapping(int i) {
    const auto& m = c_.mappings(i);
    const std::string path = at("mappings", i);
    const bool vpc_ok = overlay_vpc(m.vpc(), path + ".vpc");
    bool ok = vpc_ok;
    auto ip = parse_ip(m.ip());
    if (!ip) {
      ok = false;
      error(path + ".ip", quoted(m.ip()) + " is not an IPv4 or IPv6 address");
    } else if (vpc_ok) {
      const OverlayKey key = *mapping_key(m.vpc(), m.ip());
      bool inside = false;
      for (const PrefixParse& p : f_.vpc_cidrs.at(m.vpc()))
        inside = inside || (p.is_v6 == ip->ipv6 && (ip->ipv6 ? p.v6.contains(Ipv6Addr::from(ip->addr.bytes))
                                                                : p.v4.contains(Ipv4Addr{be32::from_raw(ip->addr.words[0])})));
      ok = false;
      if (!inside) error(path + ".ip", quoted(m.ip()) + " is not inside a CIDR of VPC " + quoted(m.vpc()));
      else if (auto e = f_.local_addresses.find(key); e != f_.local_addresses.end())
        error(path + ".ip", quoted(m.ip()) + " is the address of local ENI " + quoted(e->second) +
                                " (a local address is delivered here, never mapped)");
      else if (auto g = f_.gateways.find(key); g != f_.gateways.end())
        error(path + ".ip", quoted(m.ip()) + " is the gateway of subnet " + quoted(g->second) + " (the router's own)");
      else if (auto [it, fresh] = mappings_.emplace(key, i); !fresh)
        error(path + ".ip", quoted(m.ip()) + " in VPC " + quoted(m.vpc()) + " is already mapped by mappings[" +
                                std::to_string(it->second) + "]");
      else ok = true;
    }
    MappingModel model;
    auto peer = underlay_peer(m.underlay_ip(), path + ".underlay_ip");
    auto mac = unicast_mac(m.mac(), path + ".mac");
    for (int j = 0; j < m.security_groups_size(); ++j) {
      const std::string& g = m.security_groups(j);
      auto vpc = f_.group_vpc.find(g);
      if (vpc == f_.group_vpc.end())
        error(path + ".security_groups[" + std::to_string(j) + "]", quoted(g) + " is not a configured security group");
      else if (vpc->second != m.vpc())
        error(path + ".security_groups[" + std::to_string(j) + "]",
              quoted(g) + " belongs to VPC " + quoted(vpc->second) + ", not " + quoted(m.vpc()));
      else if (auto index = f_.group_index.find(g); index != f_.group_index.end())
        model.security_groups.push_back(index->second);
    }
    if (!ok || !peer || !mac) return;
    model.vpc = f_.vpc_index.at(m.vpc());
    model.ip = *ip;
    model.underlay_ip = *peer;
    model.mac = *mac;
    m_.mappings.push_back(std::move(model));
  }

  void route(int i) {
    const auto& r = c_.overlay_routes(i);
    const std::string path = at("overlay_routes", i);
    const bool vpc_ok = overlay_vpc(r.vpc(), path + ".vpc");
    bool ok = false;
    PrefixParse p = parse_prefix(r.prefix());
    if (p.host_bits) error(path + ".prefix", quoted(r.prefix()) + " has host bits set past the prefix length");
    else if (!p.ok) error(path + ".prefix", quoted(r.prefix()) + " is not a CIDR (e.g. 0.0.0.0/0 or fd00:20::/56)");
    else if (vpc_ok) {
      // A full-length route and a mapping of one address are one table entry.
      const bool host = p.is_v6 ? p.v6.len == 128 : p.v4.len == 32;
      const std::string addr = r.prefix().substr(0, r.prefix().find('/'));
      if (auto m = host ? mapping_key(r.vpc(), addr) : std::nullopt; m && mappings_.count(*m))
        error(path + ".prefix", quoted(r.prefix()) + " is the address of mappings[" + std::to_string(mappings_.at(*m)) +
                                    "]: one of the two");
      else if (auto [it, fresh] = routes_.emplace(*route_key(r.vpc(), r.prefix()), i); !fresh)
        error(path + ".prefix", quoted(r.prefix()) + " in VPC " + quoted(r.vpc()) + " is already routed by overlay_routes[" +
                                    std::to_string(it->second) + "]");
      else ok = true;
    }
    auto peer = underlay_peer(r.underlay_ip(), path + ".underlay_ip");
    std::optional<MacAddr> mac = f_.router_mac;
    if (!r.mac().empty()) mac = unicast_mac(r.mac(), path + ".mac");
    if (!ok || !peer || !mac) return;
    OverlayRouteModel model;
    model.vpc = f_.vpc_index.at(r.vpc());
    model.prefix = p.is_v6 ? encap::UnderlayIp::v6(p.v6.addr) : encap::UnderlayIp::v4(p.v4.addr);
    model.prefix_len = p.is_v6 ? p.v6.len : p.v4.len;
    model.underlay_ip = *peer;
    model.mac = *mac;
    m_.overlay_routes.push_back(model);
  }

  const Config& c_;
  const OverlayFacts& f_;
  Model& m_;
  std::vector<ConfigError>& errors_;
  std::optional<Ipv4Addr> local4_;
  std::optional<Ipv6Addr> local6_;
  bool unsure4_ = false, unsure6_ = false;
  std::map<std::string, uint32_t> vpc_vni_;
  std::map<OverlayKey, int> mappings_, routes_;
};

}  // namespace

void build_overlay(const Config& c, const OverlayFacts& facts, Model& model, std::vector<ConfigError>& errors) {
  OverlayValidator(c, facts, model, errors).run();
}

}  // namespace vfpath::control
