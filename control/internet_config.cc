#include "control/internet_config.h"

#include <map>

#include "control/model.h"
#include "packet/text_address.h"

namespace vfpath::control {
void build_internet(const config::v1::Config& c, const OverlayFacts& facts, Model& model,
                    std::vector<ConfigError>& errors) {
  model.vpc_cidrs4.assign(model.vpcs.size(), {});
  for (const auto& [vpc, cidrs] : facts.vpc_cidrs) {
    auto at = facts.vpc_index.find(vpc);
    if (at == facts.vpc_index.end() || at->second >= model.vpc_cidrs4.size()) continue;
    for (const PrefixParse& p : cidrs)
      if (p.ok && !p.is_v6) model.vpc_cidrs4[at->second].push_back(p.v4);
  }
  if (c.has_internet_gateway()) {
    const auto& g = c.internet_gateway();
    const std::string path = "internet_gateway";
    InternetModel igw;
    igw.port = g.port();
    igw.mac = facts.router_mac;
    auto role = facts.port_roles.find(g.port());
    if (role == facts.port_roles.end())
      errors.push_back({path + ".port", quoted(g.port()) + " is not a configured port"});
    else if (role->second != config::v1::UPLINK)
      errors.push_back({path + ".port", quoted(g.port()) + " is not a port with role UPLINK"});
    else if (c.has_underlay() && c.underlay().port() == g.port())
      errors.push_back({path + ".port", quoted(g.port()) + " is the underlay's port: the internet gateway needs one of its own"});
    const auto hop = parse_mac(g.next_hop_mac());
    if (!hop || hop->is_multicast())
      errors.push_back({path + ".next_hop_mac", quoted(g.next_hop_mac()) + " is not a unicast MAC address"});
    else igw.next_hop = *hop;
    if (!g.mac().empty()) {
      const auto mac = parse_mac(g.mac());
      if (!mac || mac->is_multicast()) errors.push_back({path + ".mac", quoted(g.mac()) + " is not a unicast MAC address"});
      else igw.mac = *mac;
    }
    model.internet = igw;
  }
  std::map<uint32_t, std::string> owner;  // public address -> where it was first given
  for (int i = 0; i < c.enis_size() && i < static_cast<int>(model.enis.size()); ++i) {
    const auto& e = c.enis(i);
    EniModel& en = model.enis[i];
    std::map<uint32_t, bool> privates;
    for (int j = 0; j < e.public_ipv4_size(); ++j) {
      const auto& p = e.public_ipv4(j);
      const std::string path = "enis[" + std::to_string(i) + "].public_ipv4[" + std::to_string(j) + "]";
      if (!c.has_internet_gateway()) {
        errors.push_back({path, "needs internet_gateway: there is no way to the internet"});
        continue;
      }
      const auto pub = parse_ipv4(p.public_ip());
      if (!pub) {
        errors.push_back({path + ".public_ip", quoted(p.public_ip()) + " is not an IPv4 address"});
        continue;
      }
      bool inside = false;
      for (const auto& cidrs : model.vpc_cidrs4)
        for (const Ipv4Prefix& v : cidrs) inside |= v.contains(*pub);
      const uint32_t h = pub->host();
      if (inside || h == 0 || (h >> 24) == 127 || (h >> 28) >= 0xe || (h >> 16) == 0xa9fe) {
        errors.push_back({path + ".public_ip", quoted(p.public_ip()) +
                                                   " cannot be public: it is in a VPC CIDR, or loopback, link-local, multicast or reserved"});
        continue;
      }
      if (auto [at, fresh] = owner.emplace(h, path); !fresh) {
        errors.push_back({path + ".public_ip", quoted(p.public_ip()) + " is already associated (" + at->second + ")"});
        continue;
      }
      Ipv4Addr priv;
      if (p.private_ip().empty()) {
        if (en.ipv4.empty()) {
          errors.push_back({path + ".private_ip", "the ENI has no IPv4 address to associate it with"});
          continue;
        }
        priv = en.ipv4.front();
      } else {
        const auto a = parse_ipv4(p.private_ip());
        if (!a) {
          errors.push_back({path + ".private_ip", quoted(p.private_ip()) + " is not an IPv4 address"});
          continue;
        }
        bool own = false;
        for (const Ipv4Addr& x : en.ipv4) own |= x == *a;
        if (!own) {
          errors.push_back({path + ".private_ip", quoted(p.private_ip()) + " is not one of the ENI's IPv4 addresses"});
          continue;
        }
        priv = *a;
      }
      if (!privates.emplace(priv.host(), true).second) {
        errors.push_back({path + ".private_ip", quoted(to_string(priv)) + " already has a public address"});
        continue;
      }
      en.public_ipv4.emplace_back(priv, *pub);
    }
  }
}

}  // namespace vfpath::control
