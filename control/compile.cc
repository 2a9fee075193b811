#include "control/compile.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <stdexcept>

#include "acl/nacl_compile.h"
#include "control/address_set_state.h"
#include "control/compile_cache.h"
#include "control/compile_overlay.h"
#include "control/sg_config.h"
#include "control/model.h"
#include "dataplane/overlay_snapshot.h"

namespace vfpath::control {

namespace {

// Builds the classifier of one direction and family: the small classifier up
// to its rule limit, rte_acl above.
void build_table(const acl::nacl::CompiledNacl& compiled, NaclTable& t, const std::string& what) {
  if (compiled.rules.empty()) return;
  if (compiled.rules.size() <= acl::SmallClassifier::kMaxRules) {
    auto built = acl::SmallClassifier::build(compiled.family, compiled.rules);
    if (!built.ok()) throw std::logic_error("compile_snapshot: " + built.error().message);
    t.small = std::make_unique<acl::SmallClassifier>(std::move(built).value());
    return;
  }
  auto built = acl::Classifier::build(compiled.family, compiled.rules);
  if (!built.ok())
    throw CompileError(what + " " + acl::nacl::direction_name(compiled.direction) +
                       (compiled.family == acl::Family::kIpv6 ? " IPv6" : " IPv4") +
                       ": cannot build the classifier: " + built.error().message);
  t.classifier = std::make_unique<acl::Classifier>(std::move(built).value());
}

// The four tables (direction x family) of a rule list: NACLs and security
// groups alike.
void build_tables(const acl::nacl::Nacl& rules, NaclTable (&tables)[2][2], const std::string& what) {
  for (auto dir : {acl::nacl::Direction::kIngress, acl::nacl::Direction::kEgress})
    for (bool v6 : {false, true}) {
      auto compiled = acl::nacl::compile(rules, dir, v6 ? acl::Family::kIpv6 : acl::Family::kIpv4);
      NaclTable& t = tables[static_cast<int>(dir)][v6 ? 1 : 0];
      build_table(compiled, t, what);
      t.verdicts = std::move(compiled.verdicts);
    }
}

SgPolicy build_policy(const ExpandedPolicy& expanded, const SetBinding& sets, const std::string& eni) {
  SgPolicy p;
  build_tables(expanded.nacl, p.tables, "security groups of ENI " + eni);
  for (const SetRuleSpec& r : expanded.set_rules) {
    auto key = sets.keys.find(r.set);
    if (key == sets.keys.end()) throw std::logic_error("compile_snapshot: address set " + r.set + " has no key");
    for (int fam = 0; fam < 2; ++fam) p.set_rules[static_cast<int>(r.direction)][fam].push_back(SgSetRule{r.match, key->second});
  }
  for (const auto& r : expanded.refs)
    p.rule_names.push_back(r.group + " " + acl::nacl::direction_name(r.direction) +
                           (r.rule >= 0 ? "[" + std::to_string(r.rule) + "]" : "") + " " + r.peer);
  std::memcpy(p.untracked, expanded.untracked, sizeof p.untracked);
  return p;
}

// One policy per distinct (VPC, group set); ENIs point at theirs. A policy
// whose groups' rules (and set keys) are as in the last push is reused.
void compile_security_groups(const Model& m, const SetBinding& sets, CompileCache& cache, Snapshot& s) {
  SgModel model(m);
  std::map<std::string, uint16_t> by_set;
  for (size_t i = 0; i < m.enis.size(); ++i) {
    EniEntry& e = s.enis[i];
    std::vector<std::string> groups = model.groups_of(static_cast<int>(i));
    e.security_groups = groups;
    std::sort(groups.begin(), groups.end());
    std::string key = s.vpc_ids[e.vpc];
    for (const auto& g : groups) key += "\n" + g;
    auto [it, fresh] = by_set.emplace(key, static_cast<uint16_t>(s.sg_policies.size()));
    s.eni_ct[i].sg_policy = it->second;
    if (!fresh) continue;
    s.sg_policies.push_back(cache.sg_policies.get(model.fingerprint(groups, s.vpc_ids[e.vpc], sets.keys), [&] {
      return build_policy(model.expand(groups, s.vpc_ids[e.vpc]), sets, e.id);
    }));
  }
  s.address_sets = sets.table;
}

// Copies each policy's untracked flags into its ENIs' packed entries.
void pack_untracked(Snapshot& s) {
  for (EniCt& ec : s.eni_ct) {
    const auto& u = s.sg_policies[ec.sg_policy]->untracked;
    ec.untracked = static_cast<uint8_t>(u[0][0] | u[0][1] << 1 | u[1][0] << 2 | u[1][1] << 3);
  }
}

// The classifiers of one NACL, per direction and family (no hit slots).
NaclEntry build_nacl_tables(const NaclModel& n, int i) {
  NaclEntry entry;
  entry.id = n.id;
  build_tables(n.rules, entry.tables, "network_acls[" + std::to_string(i) + "] (" + n.id + ")");
  return entry;
}

// One classifier per NACL, direction and family (reused when the NACL and
// the limits are as in the last push), and the hit-counter slots laid out
// table by table: one slot per entry plus the implicit deny.
void compile_nacls(const Model& m, CompileCache& cache, Snapshot& s) {
  const acl::nacl::Limits& limits = m.nacl_limits;
  const std::string limits_key = std::to_string(limits.max_rules_per_direction) + "\n";
  uint32_t next_slot = 0;
  for (size_t i = 0; i < m.nacls.size(); ++i) {
    const NaclModel& n = m.nacls[i];
    NaclEntry entry = *cache.nacls.get(limits_key + n.cache_key,
                                       [&] { return build_nacl_tables(n, static_cast<int>(i)); });
    for (auto& by_family : entry.tables)
      for (NaclTable& t : by_family) {
        for (size_t u = 0; u < t.verdicts.size(); ++u) t.hit_slots.push_back(next_slot++);  // positional, then
        t.hit_baselines.assign(t.verdicts.size(), 0);  // assign_counter_slots makes them stable
      }
    if (next_slot > kMaxNaclHitSlots)
      throw CompileError("network ACLs need " + std::to_string(next_slot) + " rule counters, more than " +
                         std::to_string(kMaxNaclHitSlots));
    s.nacls.push_back(std::move(entry));
  }
}

// Rule sets some ENI names (others are validated, not compiled), and each
// ENI's choice; eni_ids stays empty when no ENI has IDS.
void compile_ids(const Model& m, CompileCache& cache, Snapshot& s) {
  std::vector<uint16_t> position(m.ids_rulesets.size(), kNoIdsRuleset);
  for (const EniModel& en : m.enis) {
    if (en.ids_ruleset == kNoIdsIndex) continue;
    uint16_t& at = position.at(en.ids_ruleset);
    if (at == kNoIdsRuleset) {
      const IdsRulesetModel& rm = m.ids_rulesets[en.ids_ruleset];
      at = static_cast<uint16_t>(s.ids_rulesets.size());
      // By id and text: the id is in the alerts (and the disk cache makes
      // the same text under two ids cheap).
      s.ids_rulesets.push_back(cache.ids_rulesets.get(
          rm.id + "\n" + rm.digest + "\n" + std::to_string(cache.ids.workers),
          [&] { return compile_ids_ruleset(rm, cache.ids); }));
    }
  }
  if (s.ids_rulesets.empty()) return;
  s.eni_ids.resize(m.enis.size());
  for (size_t i = 0; i < m.enis.size(); ++i) {
    const EniModel& en = m.enis[i];
    if (en.ids_ruleset == kNoIdsIndex) continue;
    s.eni_ids[i].ruleset = position[en.ids_ruleset];
    s.eni_ids[i].mode = en.ids_prevent ? ids::Mode::Prevent : ids::Mode::Detect;
    s.eni_ct[i].flags |= eni_ct_flags::kIds;
  }
}

// Each ENI's DHCP lease: its primary IPv4 in its subnet, the gateway as
// router and server, the VPC's DNS and domain, the overlay's inner MTU.
// After everything else: hostnames point into the finished ENI table.
void compile_dhcp(const Model& m, Snapshot& s) {
  for (const VpcModel& v : m.vpcs) s.vpc_dhcp_domains.push_back(v.dhcp_domain);
  s.eni_dhcp6.resize(s.enis.size());
  s.eni_dhcp.resize(s.enis.size());
  for (size_t i = 0; i < s.enis.size(); ++i) {
    const EniEntry& e = s.enis[i];
    const SubnetEntry& sn = s.subnets[e.subnet];
    if (!e.ipv6.empty() && sn.has_ipv6) {
      Dhcp6Lease& l6 = s.eni_dhcp6[i];
      l6.address = e.ipv6[0];
      l6.router_mac = s.router_mac;
      for (const Ipv6Addr& a : m.vpcs[e.vpc].dhcp_dns6)
        if (l6.dns_count < 4) l6.dns[l6.dns_count++] = a;
      const std::string& domain = s.vpc_dhcp_domains[e.vpc];
      l6.domain = domain.c_str();
      l6.domain_len = static_cast<uint8_t>(domain.size());
    }
    DhcpLease& l = s.eni_dhcp[i];
    if (s.overlay && e.vpc < s.overlay->vpcs.size() && s.overlay->vpcs[e.vpc].vni) {
      const VpcOverlay& o = s.overlay->vpcs[e.vpc];
      const uint16_t a = o.inner_mtu_v4, b = o.inner_mtu_v6;
      l.mtu = a && b ? std::min(a, b) : (a ? a : b);  // the smaller: a VM talks to hosts of both (RA reads it too)
    }
    if (e.ipv4.empty() || !sn.has_ipv4) continue;
    l.address = e.ipv4[0];
    l.prefix_len = sn.cidr4.len;
    l.router = sn.gateway4;
    const VpcModel& v = m.vpcs[e.vpc];
    for (const Ipv4Addr& a : v.dhcp_dns)
      if (l.dns_count < 4) l.dns[l.dns_count++] = a;
    l.hostname = e.id.c_str();
    l.hostname_len = static_cast<uint8_t>(std::min<size_t>(e.id.size(), 63));
    const std::string& domain = s.vpc_dhcp_domains[e.vpc];
    if (!domain.empty()) {
      l.domain = domain.c_str();
      l.domain_len = static_cast<uint8_t>(domain.size());
    }
  }
}

}  // namespace

std::unique_ptr<Snapshot> compile_snapshot(const Model& m, const PortIds& port_ids, const OverlayBinding& overlay,
                                           const SetBinding& sets, CompileCache* cache) {
  CompileCache own_cache;
  if (!cache) cache = &own_cache;
  auto s = std::make_unique<Snapshot>();
  s->generation = m.generation;
  s->router_mac = m.router_mac;
  s->router_link_local = link_local_from_mac(s->router_mac);
  for (const VpcModel& v : m.vpcs) s->vpc_ids.push_back(v.id);

  for (const PortModel& p : m.ports) {
    auto id = port_ids.find(p.name);
    if (id == port_ids.end()) throw std::logic_error("compile_snapshot: port " + p.name + " has no DPDK id");
    if (s->ports.size() <= id->second) s->ports.resize(id->second + 1u);
    PortEntry& e = s->ports[id->second];
    e.name = p.name;
    e.role = p.uplink ? PortRole::kUplink : PortRole::kEni;
  }

  compile_nacls(m, *cache, *s);

  std::vector<std::pair<RouteKey, uint16_t>> routes;
  for (const SubnetModel& sn : m.subnets) {
    SubnetEntry e;
    e.id = sn.id;
    e.vpc = sn.vpc;
    if (sn.cidr4) {
      e.has_ipv4 = true;
      e.cidr4 = *sn.cidr4;
      e.gateway4 = sn.gateway4;
      routes.emplace_back(make_route_key(e.vpc, 4, reinterpret_cast<const uint8_t*>(&e.gateway4)), kRouterEni);
    }
    if (sn.cidr6) {
      e.has_ipv6 = true;
      e.cidr6 = *sn.cidr6;
      e.gateway6 = sn.gateway6;
      routes.emplace_back(make_route_key(e.vpc, 6, e.gateway6.bytes.data()), kRouterEni);
    }
    if (sn.nacl != kNoNaclIndex) e.nacl = sn.nacl;
    s->subnets.push_back(std::move(e));
  }

  std::vector<std::pair<L2Key, uint16_t>> l2;
  std::map<uint16_t, int> enis_on_port;
  for (const EniModel& en : m.enis) {
    EniEntry e;
    const auto eni = static_cast<uint16_t>(s->enis.size());
    e.id = en.id;
    e.mac = en.mac;
    e.vlan = en.vlan;
    e.port = port_ids.at(en.port);
    e.subnet = en.subnet;
    e.vpc = en.vpc;
    e.source_dest_check = en.source_dest_check;
    e.counter_slot = eni;
    e.conntrack = en.conntrack;
    e.metadata = en.metadata.options;
    e.instance_id = en.metadata.instance_id;
    e.user_data = en.metadata.user_data;
    e.syn_pps = en.syn_pps;
    e.syn_burst = en.syn_burst;
    e.public_ipv4 = en.public_ipv4;
    EniCt ct;
    ct.zone = eni;  // assign_counter_slots makes it the stable slot
    ct.flags = en.revalidate ? eni_ct_flags::kRevalidate : 0;
    s->eni_ct.push_back(ct);
    e.ipv4 = en.ipv4;
    e.ipv6 = en.ipv6;
    for (const Ipv4Addr& a : e.ipv4)
      routes.emplace_back(make_route_key(e.vpc, 4, reinterpret_cast<const uint8_t*>(&a)), eni);
    for (const Ipv6Addr& a : e.ipv6) routes.emplace_back(make_route_key(e.vpc, 6, a.bytes.data()), eni);
    l2.emplace_back(make_l2_key(e.port, e.vlan, e.mac.bytes.data()), eni);
    enis_on_port[e.port]++;
    s->ports[e.port].only_eni = eni;
    s->eni_subnet_nacl.push_back(uint32_t{e.subnet} << 16 | s->subnets[e.subnet].nacl);
    s->enis.push_back(std::move(e));
    s->eni_baselines.emplace_back();
  }
  for (const auto& [port, count] : enis_on_port)
    if (count > 1) s->ports[port].only_eni = kNoEni;

  compile_security_groups(m, sets.table ? sets : standalone_address_sets(m), *cache, *s);
  pack_untracked(*s);
  s->index_slots();  // again after assign_counter_slots (config_store.cc) makes the slots stable
  s->conntrack_capacity = m.conntrack_capacity;
  s->xdp_block4 = m.xdp.block4;
  s->xdp_block6 = m.xdp.block6;
  s->vpc_cidrs4 = m.vpc_cidrs4;
  if (m.internet) {
    s->has_internet = true;
    s->internet = InternetEntry{port_ids.at(m.internet->port), m.internet->mac, m.internet->next_hop};
    std::vector<std::pair<uint64_t, PublicTarget>> publics;
    for (size_t i = 0; i < s->enis.size(); ++i)
      for (const auto& [priv, pub] : s->enis[i].public_ipv4)
        publics.emplace_back(uint64_t{pub.value.raw()}, PublicTarget{static_cast<uint16_t>(i), priv});
    auto by_public = FlatMap<uint64_t, PublicTarget>::build(publics);
    if (!by_public) throw CompileError("a public IPv4 address is associated twice");
    s->eni_by_public = std::move(*by_public);
  }

  auto by_l2 = FlatMap<L2Key, uint16_t>::build(l2);
  auto by_address = FlatMap<RouteKey, uint16_t>::build(routes);
  if (!by_l2 || !by_address) throw std::logic_error("compile_snapshot: duplicate key in a validated config");
  s->eni_by_l2 = std::move(*by_l2);
  s->eni_by_address = std::move(*by_address);
  if (m.underlay) s->overlay = compile_overlay(m, *m.underlay, port_ids, overlay, *s);
  compile_ids(m, *cache, *s);
  if (std::any_of(m.enis.begin(), m.enis.end(), [](const EniModel& en) { return en.limits.any(); }))
    for (const EniModel& en : m.enis) s->eni_allowances.push_back(en.limits);
  compile_dhcp(m, *s);
  return s;
}

std::unique_ptr<Snapshot> compile_snapshot(const config::v1::Config& c, const PortIds& port_ids,
                                           const OverlayBinding& overlay, const SetBinding& sets,
                                           CompileCache* cache) {
  ModelBuild built = build_model(c);
  if (!built.problems.empty())
    throw std::logic_error("compile_snapshot: invalid configuration: " + built.problems.front().to_string());
  return compile_snapshot(built.model, port_ids, overlay, sets, cache);
}

}  // namespace vfpath::control
