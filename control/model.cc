#include "control/model.h"

#include <map>
#include <set>
#include <tuple>

#include "control/eni_limits.h"
#include "control/ids_config.h"
#include "control/nacl_config.h"
#include "control/sg_config.h"
#include "control/overlay_config.h"
#include "packet/text_address.h"
#include "dataplane/snapshot.h"

namespace vfpath::control {
namespace {

using config::v1::Config;

ct::ZoneConfig zone_config(const config::v1::EniConntrack& c) {
  ct::ZoneConfig z;
  if (c.allowance()) z.allowance = c.allowance();
  if (c.tcp_established_timeout()) z.timeouts.tcp_established_s = c.tcp_established_timeout();
  if (c.udp_timeout()) z.timeouts.udp_unreplied_s = c.udp_timeout();
  if (c.udp_stream_timeout()) z.timeouts.udp_stream_s = c.udp_stream_timeout();
  z.liberal = c.tcp_liberal();
  return z;
}

std::string at(const char* list, int i) { return std::string(list) + "[" + std::to_string(i) + "]"; }

acl::Cidr cidr_of(const PrefixParse& p) {
  acl::Cidr c;
  if (p.is_v6) {
    c.family = acl::Family::kIpv6;
    c.addr.bytes = p.v6.addr.bytes;
    c.len = p.v6.len;
  } else {
    c.family = acl::Family::kIpv4;
    c.addr = acl::Address::v4(p.v4.addr.host());
    c.len = p.v4.len;
  }
  return c;
}

// Builds the model while checking it: each step adds what it could parse to
// `m_` and records what later steps need to know about what it refused.
class Builder {
 public:
  explicit Builder(const Config& c) : c_(c) {}

  ModelBuild run() {
    m_.generation = c_.generation();
    router();
    ports();
    vpcs();
    network_acls();
    subnets();
    prefix_lists();
    security_groups();
    build_ids_rulesets(c_, m_, ids_index_, errors_);
    enis();
    build_xdp(c_, m_.xdp, errors_);
    conntrack();
    overlay_.router_mac = router_mac_;
    overlay_.port_roles = port_role_;
    overlay_.vpc_cidrs = vpc_cidrs_;
    overlay_.vpc_index = vpc_index_;
    overlay_.group_vpc = sg_vpc_;
    overlay_.group_index = sg_index_;
    build_overlay(c_, overlay_, m_, errors_);
    build_internet(c_, overlay_, m_, errors_);
    m_.router_mac = router_mac_;
    return ModelBuild{std::move(m_), std::move(errors_)};
  }

 private:
  void error(std::string path, std::string message) {
    errors_.push_back(ConfigError{std::move(path), std::move(message)});
  }

  void router() {
    if (c_.router().mac().empty()) {
      router_mac_ = *parse_mac(kDefaultRouterMac);
      return;
    }
    auto m = parse_mac(c_.router().mac());
    if (!m) return error("router.mac", quoted(c_.router().mac()) + " is not a MAC address (aa:bb:cc:dd:ee:ff)");
    if (m->is_multicast()) return error("router.mac", quoted(c_.router().mac()) + " is a multicast MAC");
    router_mac_ = *m;
  }

  void ports() {
    if (c_.ports_size() == 0) error("ports", "at least one port is needed");
    if (c_.ports_size() > kMaxPorts) error("ports", "at most " + std::to_string(kMaxPorts) + " ports");
    std::set<std::string> devargs;
    for (int i = 0; i < c_.ports_size(); ++i) {
      const auto& p = c_.ports(i);
      std::string path = at("ports", i);
      if (p.name().empty()) error(path + ".name", "is empty");
      else if (!port_role_.emplace(p.name(), p.role()).second)
        error(path + ".name", quoted(p.name()) + " is used by another port");
      if (p.devargs().empty()) error(path + ".devargs", "is empty (a DPDK device, e.g. \"net_af_packet0,iface=veth0\")");
      else if (!devargs.insert(p.devargs()).second)
        error(path + ".devargs", quoted(p.devargs()) + " is used by another port");
      if (p.role() != config::v1::ENI && p.role() != config::v1::UPLINK)
        error(path + ".role", "must be ENI or UPLINK");
      m_.ports.push_back(PortModel{p.name(), p.role() == config::v1::UPLINK});
    }
  }

  void vpcs() {
    for (int i = 0; i < c_.vpcs_size(); ++i) {
      const auto& v = c_.vpcs(i);
      std::string path = at("vpcs", i);
      if (v.id().empty()) error(path + ".id", "is empty");
      else if (!vpc_cidrs_.emplace(v.id(), std::vector<PrefixParse>{}).second)
        error(path + ".id", quoted(v.id()) + " is used by another VPC");
      else vpc_index_.emplace(v.id(), static_cast<uint16_t>(i));
      m_.vpcs.push_back(VpcModel{v.id()});
      // A VPC with a refused CIDR (or none) cannot say what is inside it:
      // its subnets are not checked against it (the refusal is the problem).
      if (v.cidrs_size() == 0) {
        error(path + ".cidrs", "at least one CIDR is needed");
        vpc_unsure_.insert(v.id());
      }
      for (int j = 0; j < v.cidrs_size(); ++j) {
        PrefixParse p = parse_prefix(v.cidrs(j));
        if (!check_prefix(p, path + "." + at("cidrs", j), v.cidrs(j))) {
          vpc_unsure_.insert(v.id());
          continue;
        }
        vpc_cidrs_[v.id()].push_back(p);
        if (!p.is_v6 && m_.vpcs.back().dhcp_dns.empty() && v.dhcp_options().domain_name_servers_size() == 0)
          m_.vpcs.back().dhcp_dns.push_back(Ipv4Addr::from_host(p.v4.addr.host() + 2));
      }
      dhcp_options(v, path, m_.vpcs.back());
    }
  }

  void dhcp_options(const config::v1::Vpc& v, const std::string& path, VpcModel& model) {
    const auto& o = v.dhcp_options();
    const std::string p = path + ".dhcp_options.";
    if (o.domain_name().size() > 255) error(p + "domain_name", "is longer than 255 bytes");
    else model.dhcp_domain = o.domain_name();
    if (o.domain_name_servers_size() > 4) error(p + "domain_name_servers", "at most 4 servers");
    for (int j = 0; j < o.domain_name_servers_size() && j < 4; ++j) {
      const std::string& text = o.domain_name_servers(j);
      if (auto a = parse_ipv4(text)) model.dhcp_dns.push_back(*a);
      else if (auto a6 = parse_ipv6(text)) model.dhcp_dns6.push_back(*a6);
      else error(p + at("domain_name_servers", j), quoted(text) + " is not an IPv4 or IPv6 address");
    }
    for (size_t start = 0; start < model.dhcp_domain.size();) {  // DHCPv6 sends it as DNS labels
      size_t end = model.dhcp_domain.find('.', start);
      if (end == std::string::npos) end = model.dhcp_domain.size();
      if (end == start || end - start > 63) {
        error(p + "domain_name", quoted(model.dhcp_domain) + " has an empty label or one over 63 bytes");
        break;
      }
      start = end + 1;
    }
  }

  void network_acls() {
    const acl::nacl::Limits limits = nacl_limits(c_);
    m_.nacl_limits = limits;
    for (int i = 0; i < c_.network_acls_size(); ++i) {
      const auto& n = c_.network_acls(i);
      std::string path = at("network_acls", i);
      if (n.id().empty()) error(path + ".id", "is empty");
      else if (!nacl_vpc_.emplace(n.id(), n.vpc()).second)
        error(path + ".id", quoted(n.id()) + " is used by another network ACL");
      if (!vpc_cidrs_.count(n.vpc())) {
        error(path + ".vpc", quoted(n.vpc()) + " is not a configured VPC");
        nacl_vpc_unknown_.insert(n.id());  // its subnets are not also told it is another VPC's
      }
      std::vector<NaclProblem> problems;
      m_.nacls.push_back(NaclModel{n.id(), build_nacl(n, limits, path, problems), n.SerializeAsString()});
      if (nacl_index_.count(n.id()) == 0) nacl_index_.emplace(n.id(), static_cast<uint16_t>(i));
      for (auto& p : problems) error(std::move(p.path), std::move(p.message));
    }
  }

  void prefix_lists() {
    const SgLimits limits = sg_limits(c_);
    for (int i = 0; i < c_.prefix_lists_size(); ++i) {
      const auto& l = c_.prefix_lists(i);
      std::string path = at("prefix_lists", i);
      if (l.id().empty()) error(path + ".id", "is empty");
      else if (!lists_.emplace(l.id(), &l).second) error(path + ".id", quoted(l.id()) + " is used by another prefix list");
      else list_index_.emplace(l.id(), static_cast<uint16_t>(i));
      PrefixListModel model{l.id(), {}};
      const uint32_t max = l.max_entries() ? l.max_entries() : static_cast<uint32_t>(l.cidrs_size());
      if (max > limits.prefix_list_entries) lists_oversize_.insert(l.id());
      if (max > limits.prefix_list_entries)
        error(path + ".max_entries", std::to_string(max) + " entries exceed the limit of " +
                                         std::to_string(limits.prefix_list_entries) + " per prefix list");
      if (l.max_entries() && static_cast<uint32_t>(l.cidrs_size()) > l.max_entries())
        error(path + ".cidrs", std::to_string(l.cidrs_size()) + " entries exceed its max_entries " +
                                   std::to_string(l.max_entries()));
      for (int j = 0; j < l.cidrs_size(); ++j) {
        PrefixParse p = parse_prefix(l.cidrs(j));
        if (check_prefix(p, path + "." + at("cidrs", j), l.cidrs(j))) model.cidrs.push_back(cidr_of(p));
      }
      m_.prefix_lists.push_back(std::move(model));
    }
  }

  void security_groups() {
    const SgLimits limits = sg_limits(c_);
    for (int i = 0; i < c_.security_groups_size(); ++i) {
      const auto& g = c_.security_groups(i);
      std::string path = at("security_groups", i);
      if (g.id().empty()) error(path + ".id", "is empty");
      else if (g.id().rfind("default:", 0) == 0) error(path + ".id", quoted(g.id()) + ": \"default:\" names the implicit default groups");
      else if (!sg_vpc_.emplace(g.id(), g.vpc()).second) error(path + ".id", quoted(g.id()) + " is used by another security group");
      else sg_index_.emplace(g.id(), static_cast<uint16_t>(i));
      SecurityGroupModel model;
      model.id = g.id();
      if (auto v = vpc_index_.find(g.vpc()); v != vpc_index_.end()) model.vpc = v->second;
      model.cache_key = g.SerializeAsString();
      m_.security_groups.push_back(std::move(model));
      if (!vpc_cidrs_.count(g.vpc())) {
        error(path + ".vpc", quoted(g.vpc()) + " is not a configured VPC");
        sg_vpc_unknown_.insert(g.id());
      }
    }
    for (int i = 0; i < c_.security_groups_size(); ++i) {
      const auto& g = c_.security_groups(i);
      std::string path = at("security_groups", i);
      sg_rules(g, g.ingress(), path + ".ingress", "ingress", limits, m_.security_groups[i].ingress);
      sg_rules(g, g.egress(), path + ".egress", "egress", limits, m_.security_groups[i].egress);
    }
  }

  void sg_rules(const config::v1::SecurityGroup& g, const google::protobuf::RepeatedPtrField<config::v1::SgRule>& rules,
                const std::string& path, const char* direction, const SgLimits& limits,
                std::vector<SgRuleModel>& out) {
    uint32_t cost = 0;
    bool cost_unsure = false;  // a list it names was refused for its size: that is the problem
    for (int j = 0; j < rules.size(); ++j) {
      const auto& r = rules[j];
      std::string rp = path + "[" + std::to_string(j) + "]";
      cost += sg_rule_cost(r, lists_);
      if (r.cidrs_size() + r.prefix_lists_size() + r.security_groups_size() == 0)
        error(rp, "needs at least one peer (cidrs, prefix_lists or security_groups)");
      SgRuleModel model;
      // Protocol, ports and ICMP once; then each CIDR.
      auto shape = acl::nacl::validate(sg_rule_spec(r, "0.0.0.0/0", 1));
      if (!shape) error(rp, strip_rule_number(shape.error().message));
      else model.match = shape.value();
      for (int k = 0; k < r.cidrs_size(); ++k) {
        PrefixParse p = parse_prefix(r.cidrs(k));
        check_prefix(p, rp + "." + at("cidrs", k), r.cidrs(k));
        if (shape && p.ok) {
          auto full = acl::nacl::validate(sg_rule_spec(r, r.cidrs(k), 1));
          if (!full) error(rp + "." + at("cidrs", k), strip_rule_number(full.error().message));
          else {
            model.cidrs.push_back(full.value().cidr);
            model.cidr_text.push_back(r.cidrs(k));
          }
        }
      }
      for (int k = 0; k < r.prefix_lists_size(); ++k)
        if (lists_oversize_.count(r.prefix_lists(k))) cost_unsure = true;
        else if (auto l = list_index_.find(r.prefix_lists(k)); l == list_index_.end())
          error(rp + "." + at("prefix_lists", k), quoted(r.prefix_lists(k)) + " is not a configured prefix list");
        else model.prefix_lists.push_back(l->second);
      for (int k = 0; k < r.security_groups_size(); ++k) {
        auto peer = sg_vpc_.find(r.security_groups(k));
        if (peer == sg_vpc_.end())
          error(rp + "." + at("security_groups", k), quoted(r.security_groups(k)) + " is not a configured security group");
        else if (peer->second != g.vpc() && !sg_vpc_unknown_.count(peer->first) && !sg_vpc_unknown_.count(g.id()))
          error(rp + "." + at("security_groups", k), quoted(r.security_groups(k)) + " belongs to VPC " +
                                                         quoted(peer->second) + ", not " + quoted(g.vpc()));
        else model.groups.push_back(sg_index_.at(peer->first));
      }
      out.push_back(std::move(model));
    }
    if (cost > limits.rules_per_direction && !cost_unsure)
      error(path, std::to_string(cost) + " " + direction + " rules (one per peer, a prefix list counting its max_entries) exceed the limit of " +
                      std::to_string(limits.rules_per_direction) + " per security group");
  }

  static std::string strip_rule_number(const std::string& m) {
    return m.rfind("rule 1: ", 0) == 0 ? m.substr(8) : m;
  }

  void eni_security(const config::v1::Eni& e, const std::string& path, const std::string& vpc, EniModel& model) {
    const SgLimits limits = sg_limits(c_);
    if (static_cast<uint32_t>(e.security_groups_size()) > limits.groups_per_eni)
      error(path + ".security_groups", std::to_string(e.security_groups_size()) + " groups exceed the limit of " +
                                           std::to_string(limits.groups_per_eni) + " per ENI");
    std::set<std::string> seen;
    for (int j = 0; j < e.security_groups_size(); ++j) {
      const std::string& id = e.security_groups(j);
      std::string p = path + "." + at("security_groups", j);
      auto g = sg_vpc_.find(id);
      if (g == sg_vpc_.end()) error(p, quoted(id) + " is not a configured security group");
      else if (g->second != vpc && !sg_vpc_unknown_.count(id)) error(p, quoted(id) + " belongs to VPC " + quoted(g->second) + ", not the ENI's " + quoted(vpc));
      else if (!seen.insert(id).second) error(p, quoted(id) + " is listed twice");
      else if (auto index = sg_index_.find(id); index != sg_index_.end()) model.security_groups.push_back(index->second);
    }
    const auto& ct = e.conntrack();
    auto range = [&](uint32_t v, uint32_t lo, uint32_t hi, const char* field) {
      if (v != 0 && (v < lo || v > hi))
        error(path + ".conntrack." + field, std::to_string(v) + " s is outside " + std::to_string(lo) + ".." +
                                                std::to_string(hi) + " s");
    };
    range(ct.tcp_established_timeout(), 60, 432000, "tcp_established_timeout");
    range(ct.udp_timeout(), 30, 60, "udp_timeout");
    range(ct.udp_stream_timeout(), 60, 180, "udp_stream_timeout");
  }

  void conntrack() {
    const uint32_t cap = c_.conntrack().capacity();
    if (cap != 0 && (cap < kMinConntrackCapacity || cap > kMaxConntrackCapacity))
      error("conntrack.capacity", std::to_string(cap) + " is outside " + std::to_string(kMinConntrackCapacity) + ".." +
                                      std::to_string(kMaxConntrackCapacity) + " connections");
    m_.conntrack_capacity = cap ? cap : kDefaultConntrackCapacity;
  }

  bool check_prefix(const PrefixParse& p, const std::string& path, const std::string& text) {
    if (p.host_bits) error(path, quoted(text) + " has host bits set past the prefix length");
    else if (!p.ok) error(path, quoted(text) + " is not a CIDR (e.g. 10.0.0.0/16 or fd00::/56)");
    return p.ok;
  }

  static bool inside(const PrefixParse& outer, const PrefixParse& inner) {
    if (outer.is_v6 != inner.is_v6) return false;
    if (outer.is_v6) return outer.v6.len <= inner.v6.len && outer.v6.contains(inner.v6.addr);
    return outer.v4.len <= inner.v4.len && outer.v4.contains(inner.v4.addr);
  }

  void subnets() {
    std::map<std::string, std::vector<std::pair<PrefixParse, std::string>>> per_vpc;
    for (int i = 0; i < c_.subnets_size(); ++i) {
      const auto& s = c_.subnets(i);
      std::string path = at("subnets", i);
      SubnetInfo info;
      SubnetModel model;
      model.id = s.id();
      if (s.id().empty()) error(path + ".id", "is empty");
      else if (subnets_.count(s.id())) error(path + ".id", quoted(s.id()) + " is used by another subnet");
      auto vpc = vpc_cidrs_.find(s.vpc());
      if (vpc == vpc_cidrs_.end()) error(path + ".vpc", quoted(s.vpc()) + " is not a configured VPC");
      else model.vpc = vpc_index_.at(s.vpc());
      info.vpc = s.vpc();
      info.index = static_cast<uint16_t>(i);
      if (!s.network_acl().empty()) {
        auto nacl = nacl_vpc_.find(s.network_acl());
        if (nacl == nacl_vpc_.end())
          error(path + ".network_acl", quoted(s.network_acl()) + " is not a configured network ACL");
        else if (vpc != vpc_cidrs_.end() && !nacl_vpc_unknown_.count(s.network_acl()) && nacl->second != s.vpc())  // an unknown VPC is the problem already
          error(path + ".network_acl", quoted(s.network_acl()) + " belongs to VPC " + quoted(nacl->second) +
                                           ", not " + quoted(s.vpc()));
        else model.nacl = nacl_index_.at(s.network_acl());
      }
      if (s.ipv4_cidr().empty() && s.ipv6_cidr().empty()) {
        error(path, "needs ipv4_cidr, ipv6_cidr or both");
        info.refused4 = info.refused6 = true;  // its ENIs' addresses are not checked against it
      }
      const bool vpc_sure = vpc != vpc_cidrs_.end() && !vpc_unsure_.count(s.vpc());
      // Returns false when the family's CIDR is refused (its ENIs' addresses
      // of that family are then not checked against it).
      auto family = [&](const std::string& text, const char* field, bool want_v6, PrefixParse& out) {
        if (text.empty()) return true;
        PrefixParse p = parse_prefix(text);
        if (!check_prefix(p, path + "." + field, text)) return false;
        if (p.is_v6 != want_v6) {
          error(path + "." + field, quoted(text) + (want_v6 ? " is not IPv6" : " is not IPv4"));
          return false;
        }
        if (vpc_sure) {
          bool within = false;
          for (const auto& v : vpc->second) within = within || inside(v, p);
          if (!within) {
            error(path + "." + field, quoted(text) + " is not inside a CIDR of VPC " + quoted(s.vpc()));
            return false;
          }
          for (const auto& [other, other_id] : per_vpc[s.vpc()])
            if (inside(other, p) || inside(p, other)) {
              error(path + "." + field, quoted(text) + " overlaps subnet " + quoted(other_id));
              return false;
            }
          per_vpc[s.vpc()].emplace_back(p, s.id());
        }
        out = p;
        return true;
      };
      if (!family(s.ipv4_cidr(), "ipv4_cidr", false, info.v4)) info.refused4 = true;
      if (!family(s.ipv6_cidr(), "ipv6_cidr", true, info.v6)) info.refused6 = true;
      if (info.v4.ok) {
        info.gateway4 = Ipv4Addr::from_host(info.v4.v4.addr.host() + 1);  // AWS: .1 is the VPC router
        if (s.gateway_ipv4().empty()) {
        } else if (auto g = parse_ipv4(s.gateway_ipv4()); !g) {
          error(path + ".gateway_ipv4", quoted(s.gateway_ipv4()) + " is not an IPv4 address");
        } else if (!info.v4.v4.contains(*g)) {
          error(path + ".gateway_ipv4", quoted(s.gateway_ipv4()) + " is not inside " + quoted(s.ipv4_cidr()));
        } else {
          info.gateway4 = *g;
        }
        model.cidr4 = info.v4.v4;
        model.gateway4 = info.gateway4;
      } else if (!s.gateway_ipv4().empty() && s.ipv4_cidr().empty()) {
        error(path + ".gateway_ipv4", "is set but the subnet has no ipv4_cidr");
      }
      if (info.v6.ok) {
        info.gateway6 = info.v6.v6.addr;
        info.gateway6.bytes[15] |= 1;
        if (s.gateway_ipv6().empty()) {
        } else if (auto g = parse_ipv6(s.gateway_ipv6()); !g) {
          error(path + ".gateway_ipv6", quoted(s.gateway_ipv6()) + " is not an IPv6 address");
        } else if (!info.v6.v6.contains(*g)) {
          error(path + ".gateway_ipv6", quoted(s.gateway_ipv6()) + " is not inside " + quoted(s.ipv6_cidr()));
        } else {
          info.gateway6 = *g;
        }
        model.cidr6 = info.v6.v6;
        model.gateway6 = info.gateway6;
      } else if (!s.gateway_ipv6().empty() && s.ipv6_cidr().empty()) {
        error(path + ".gateway_ipv6", "is set but the subnet has no ipv6_cidr");
      }
      if (!s.id().empty()) subnets_.emplace(s.id(), info);
      if (info.v4.ok) overlay_.gateways.emplace(OverlayKey{s.vpc(), to_string(info.gateway4)}, s.id());
      if (info.v6.ok) overlay_.gateways.emplace(OverlayKey{s.vpc(), to_string(info.gateway6)}, s.id());
      m_.subnets.push_back(std::move(model));
    }
  }

  void enis() {
    if (c_.enis_size() > static_cast<int>(kMaxEnis))
      error("enis", "at most " + std::to_string(kMaxEnis) + " ENIs");
    std::set<std::string> ids;
    std::set<std::tuple<std::string, uint32_t, std::string>> l2;
    auto& owner = overlay_.local_addresses;  // (vpc, address) -> ENI
    for (int i = 0; i < c_.enis_size(); ++i) {
      const auto& e = c_.enis(i);
      std::string path = at("enis", i);
      if (e.id().empty()) error(path + ".id", "is empty");
      else if (e.id().size() > kMaxEniIdBytes)
        error(path + ".id", quoted(e.id()) + " is longer than " + std::to_string(kMaxEniIdBytes) + " bytes");
      else if (!ids.insert(e.id()).second) error(path + ".id", quoted(e.id()) + " is used by another ENI");
      EniModel model;
      model.id = e.id();
      model.port = e.port();
      model.vlan = static_cast<uint16_t>(e.vlan());
      model.source_dest_check = !e.has_source_dest_check() || e.source_dest_check();
      auto role = port_role_.find(e.port());
      if (role == port_role_.end()) {
        if (c_.ports_size() > 0) error(path + ".port", quoted(e.port()) + " is not a configured port");  // else "ports" says it
      }
      else if (role->second != config::v1::ENI)
        error(path + ".port", quoted(e.port()) + " is not a port with role ENI");
      auto mac = parse_mac(e.mac());
      if (!mac) error(path + ".mac", quoted(e.mac()) + " is not a MAC address (aa:bb:cc:dd:ee:ff)");
      else if (mac->is_multicast()) error(path + ".mac", quoted(e.mac()) + " is a multicast MAC");
      else if (*mac == router_mac_) error(path + ".mac", quoted(e.mac()) + " is the router's MAC");
      if (mac) model.mac = *mac;
      if (e.vlan() > 4094) error(path + ".vlan", std::to_string(e.vlan()) + " is not a VLAN id (0..4094)");
      if (mac && !l2.emplace(e.port(), e.vlan(), to_string(*mac)).second)
        error(path + ".mac", quoted(e.mac()) + " is already an ENI on port " + quoted(e.port()) +
                                 (e.vlan() ? " VLAN " + std::to_string(e.vlan()) : ""));
      auto sn = subnets_.find(e.subnet());
      if (sn == subnets_.end()) {
        error(path + ".subnet", quoted(e.subnet()) + " is not a configured subnet");
        m_.enis.push_back(std::move(model));  // positions stay those of the config
        continue;
      }
      const SubnetInfo& s = sn->second;
      model.subnet = s.index;
      model.vpc = m_.subnets[s.index].vpc;
      eni_security(e, path, s.vpc, model);
      model.conntrack = zone_config(e.conntrack());
      model.revalidate = e.conntrack().revalidate();
      build_eni_ids(e, path, ids_index_, model, errors_);
      build_eni_limits(e, path, model.limits, errors_);
      build_eni_metadata(e, path, model.metadata, errors_);
      model.syn_pps = e.limits().syn_pps();
      model.syn_burst = e.limits().syn_burst();
      if (e.ipv4_size() + e.ipv6_size() == 0) error(path, "needs at least one IPv4 or IPv6 address");
      if (e.ipv4_size() > static_cast<int>(kMaxAddressesPerEni) || e.ipv6_size() > static_cast<int>(kMaxAddressesPerEni))
        error(path, "at most " + std::to_string(kMaxAddressesPerEni) + " addresses per family");
      for (int j = 0; j < e.ipv4_size(); ++j) {
        std::string p = path + "." + at("ipv4", j);
        auto a = parse_ipv4(e.ipv4(j));
        if (!a) { error(p, quoted(e.ipv4(j)) + " is not an IPv4 address"); continue; }
        model.ipv4.push_back(*a);
        if (s.refused4) continue;  // the subnet's CIDR is the problem
        if (!s.v4.ok) { error(p, "subnet " + quoted(e.subnet()) + " has no IPv4 CIDR"); continue; }
        if (!s.v4.v4.contains(*a)) { error(p, quoted(e.ipv4(j)) + " is not inside subnet " + quoted(e.subnet()) + " (" + c_subnet_cidr(e.subnet(), false) + ")"); continue; }
        uint32_t host_mask = s.v4.v4.len >= 31 ? 0 : (0xffffffffu >> s.v4.v4.len);
        if (s.v4.v4.len < 31 && ((a->host() & host_mask) == 0 || (a->host() & host_mask) == host_mask))
          error(p, quoted(e.ipv4(j)) + " is the subnet's network or broadcast address");
        else if (*a == s.gateway4) error(p, quoted(e.ipv4(j)) + " is the subnet's gateway");
        else claim(owner, s.vpc, to_string(*a), e.id(), p);
      }
      for (int j = 0; j < e.ipv6_size(); ++j) {
        std::string p = path + "." + at("ipv6", j);
        auto a = parse_ipv6(e.ipv6(j));
        if (!a) { error(p, quoted(e.ipv6(j)) + " is not an IPv6 address"); continue; }
        model.ipv6.push_back(*a);
        if (s.refused6) continue;
        if (!s.v6.ok) { error(p, "subnet " + quoted(e.subnet()) + " has no IPv6 CIDR"); continue; }
        if (!s.v6.v6.contains(*a)) { error(p, quoted(e.ipv6(j)) + " is not inside subnet " + quoted(e.subnet()) + " (" + c_subnet_cidr(e.subnet(), true) + ")"); continue; }
        if (*a == s.gateway6) error(p, quoted(e.ipv6(j)) + " is the subnet's gateway");
        else claim(owner, s.vpc, to_string(*a), e.id(), p);
      }
      m_.enis.push_back(std::move(model));
    }
  }

  void claim(std::map<std::pair<std::string, std::string>, std::string>& owner, const std::string& vpc,
             const std::string& addr, const std::string& eni, const std::string& path) {
    auto [it, fresh] = owner.emplace(std::make_pair(vpc, addr), eni);
    if (!fresh) error(path, quoted(addr) + " already belongs to ENI " + quoted(it->second) + " in VPC " + quoted(vpc));
  }

  std::string c_subnet_cidr(const std::string& id, bool v6) const {
    for (const auto& s : c_.subnets())
      if (s.id() == id) return v6 ? s.ipv6_cidr() : s.ipv4_cidr();
    return "";
  }

  struct SubnetInfo {
    std::string vpc;
    uint16_t index = 0;
    bool refused4 = false, refused6 = false;  // a CIDR given but refused
    PrefixParse v4, v6;
    Ipv4Addr gateway4;
    Ipv6Addr gateway6;
  };

  const Config& c_;
  std::vector<ConfigError> errors_;
  std::map<std::string, uint16_t> ids_index_;  // IDS rule set id -> index in m_.ids_rulesets
  MacAddr router_mac_;
  std::map<std::string, config::v1::PortRole> port_role_;
  std::map<std::string, std::vector<PrefixParse>> vpc_cidrs_;
  std::map<std::string, uint16_t> vpc_index_;
  std::set<std::string> vpc_unsure_;  // VPCs with a refused CIDR, or none
  std::map<std::string, uint16_t> nacl_index_;
  std::set<std::string> nacl_vpc_unknown_;
  std::set<std::string> sg_vpc_unknown_;   // security groups whose VPC is not configured
  std::set<std::string> lists_oversize_;   // prefix lists refused for their size
  Model m_;
  std::map<std::string, SubnetInfo> subnets_;
  std::map<std::string, std::string> nacl_vpc_;  // NACL id -> its VPC
  std::map<std::string, std::string> sg_vpc_;    // security group id -> its VPC
  std::map<std::string, const config::v1::PrefixList*> lists_;
  std::map<std::string, uint16_t> list_index_;  // prefix list id -> index in the model
  std::map<std::string, uint16_t> sg_index_;    // security group id -> index in the model
  OverlayFacts overlay_;  // what the overlay checks need from the rest
};

}  // namespace

ModelBuild build_model(const Config& config) { return Builder(config).run(); }

std::vector<ConfigError> validate_config(const Config& config) { return build_model(config).problems; }

}  // namespace vfpath::control
