#include "control/compile.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <stdexcept>

#include "acl/nacl_compile.h"
#include "control/address_set_state.h"
#include "control/compile_cache.h"
#include "control/compile_overlay.h"
#include "control/nacl_config.h"
#include "control/sg_config.h"
#include "control/text_address.h"
#include "control/validate.h"

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
void compile_security_groups(const config::v1::Config& c, const SetBinding& sets, CompileCache& cache, Snapshot& s) {
  SgModel model(c);
  std::map<std::string, uint16_t> by_set;
  for (int i = 0; i < c.enis_size(); ++i) {
    EniEntry& e = s.enis[i];
    std::vector<std::string> groups = model.groups_of(i);
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

ct::ZoneConfig zone_config(const config::v1::EniConntrack& c) {
  ct::ZoneConfig z;
  if (c.allowance()) z.allowance = c.allowance();
  if (c.tcp_established_timeout()) z.timeouts.tcp_established_s = c.tcp_established_timeout();
  if (c.udp_timeout()) z.timeouts.udp_unreplied_s = c.udp_timeout();
  if (c.udp_stream_timeout()) z.timeouts.udp_stream_s = c.udp_stream_timeout();
  z.liberal = c.tcp_liberal();
  return z;
}

// The classifiers of one NACL, per direction and family (no hit slots).
NaclEntry build_nacl_tables(const config::v1::NetworkAcl& n, const acl::nacl::Limits& limits, int i) {
  std::vector<NaclProblem> problems;
  acl::nacl::Nacl nacl = build_nacl(n, limits, "network_acls[" + std::to_string(i) + "]", problems);
  if (!problems.empty()) throw std::logic_error("compile_snapshot: unvalidated NACL " + n.id());
  NaclEntry entry;
  entry.id = n.id();
  build_tables(nacl, entry.tables, "network_acls[" + std::to_string(i) + "] (" + n.id() + ")");
  return entry;
}

// One classifier per NACL, direction and family (reused when the NACL and
// the limits are as in the last push), and the hit-counter slots laid out
// table by table: one slot per entry plus the implicit deny.
void compile_nacls(const config::v1::Config& c, CompileCache& cache, Snapshot& s,
                   std::map<std::string, uint16_t>& index) {
  const acl::nacl::Limits limits = nacl_limits(c);
  const std::string limits_key = std::to_string(limits.max_rules_per_direction) + "\n";
  uint32_t next_slot = 0;
  for (int i = 0; i < c.network_acls_size(); ++i) {
    const auto& n = c.network_acls(i);
    NaclEntry entry = *cache.nacls.get(limits_key + n.SerializeAsString(), [&] { return build_nacl_tables(n, limits, i); });
    for (auto& by_family : entry.tables)
      for (NaclTable& t : by_family) {
        for (size_t u = 0; u < t.verdicts.size(); ++u) t.hit_slots.push_back(next_slot++);  // positional, then
        t.hit_baselines.assign(t.verdicts.size(), 0);  // assign_counter_slots makes them stable
      }
    if (next_slot > kMaxNaclHitSlots)
      throw CompileError("network ACLs need " + std::to_string(next_slot) + " rule counters, more than " +
                         std::to_string(kMaxNaclHitSlots));
    index.emplace(n.id(), static_cast<uint16_t>(s.nacls.size()));
    s.nacls.push_back(std::move(entry));
  }
}

}  // namespace

std::unique_ptr<Snapshot> compile_snapshot(const config::v1::Config& c, const PortIds& port_ids,
                                           const OverlayBinding& overlay, const SetBinding& sets,
                                           CompileCache* cache) {
  CompileCache own_cache;
  if (!cache) cache = &own_cache;
  auto s = std::make_unique<Snapshot>();
  s->generation = c.generation();
  s->router_mac = *parse_mac(c.router().mac().empty() ? kDefaultRouterMac : c.router().mac());
  s->router_link_local = link_local_from_mac(s->router_mac);

  std::map<std::string, uint16_t> vpc_index, subnet_index;
  for (const auto& v : c.vpcs()) {
    vpc_index.emplace(v.id(), static_cast<uint16_t>(s->vpc_ids.size()));
    s->vpc_ids.push_back(v.id());
  }

  for (const auto& p : c.ports()) {
    auto id = port_ids.find(p.name());
    if (id == port_ids.end()) throw std::logic_error("compile_snapshot: port " + p.name() + " has no DPDK id");
    if (s->ports.size() <= id->second) s->ports.resize(id->second + 1u);
    PortEntry& e = s->ports[id->second];
    e.name = p.name();
    e.role = p.role() == config::v1::ENI ? PortRole::kEni : PortRole::kUplink;
  }

  std::map<std::string, uint16_t> nacl_index;
  compile_nacls(c, *cache, *s, nacl_index);

  std::vector<std::pair<RouteKey, uint16_t>> routes;
  for (const auto& sn : c.subnets()) {
    SubnetEntry e;
    e.id = sn.id();
    e.vpc = vpc_index.at(sn.vpc());
    if (!sn.ipv4_cidr().empty()) {
      e.has_ipv4 = true;
      e.cidr4 = parse_prefix(sn.ipv4_cidr()).v4;
      e.gateway4 = subnet_gateway4(sn, e.cidr4);
      routes.emplace_back(make_route_key(e.vpc, 4, reinterpret_cast<const uint8_t*>(&e.gateway4)), kRouterEni);
    }
    if (!sn.ipv6_cidr().empty()) {
      e.has_ipv6 = true;
      e.cidr6 = parse_prefix(sn.ipv6_cidr()).v6;
      e.gateway6 = subnet_gateway6(sn, e.cidr6);
      routes.emplace_back(make_route_key(e.vpc, 6, e.gateway6.bytes.data()), kRouterEni);
    }
    if (!sn.network_acl().empty()) e.nacl = nacl_index.at(sn.network_acl());
    subnet_index.emplace(sn.id(), static_cast<uint16_t>(s->subnets.size()));
    s->subnets.push_back(std::move(e));
  }

  std::vector<std::pair<L2Key, uint16_t>> l2;
  std::map<uint16_t, int> enis_on_port;
  for (const auto& en : c.enis()) {
    EniEntry e;
    const auto eni = static_cast<uint16_t>(s->enis.size());
    e.id = en.id();
    e.mac = *parse_mac(en.mac());
    e.vlan = static_cast<uint16_t>(en.vlan());
    e.port = port_ids.at(en.port());
    e.subnet = subnet_index.at(en.subnet());
    e.vpc = s->subnets[e.subnet].vpc;
    e.source_dest_check = !en.has_source_dest_check() || en.source_dest_check();
    e.counter_slot = eni;
    e.conntrack = zone_config(en.conntrack());
    EniCt ct;
    ct.zone = eni;  // assign_counter_slots makes it the stable slot
    ct.flags = en.conntrack().revalidate() ? eni_ct_flags::kRevalidate : 0;
    s->eni_ct.push_back(ct);
    for (const auto& a : en.ipv4()) {
      e.ipv4.push_back(*parse_ipv4(a));
      routes.emplace_back(make_route_key(e.vpc, 4, reinterpret_cast<const uint8_t*>(&e.ipv4.back())), eni);
    }
    for (const auto& a : en.ipv6()) {
      e.ipv6.push_back(*parse_ipv6(a));
      routes.emplace_back(make_route_key(e.vpc, 6, e.ipv6.back().bytes.data()), eni);
    }
    l2.emplace_back(make_l2_key(e.port, e.vlan, e.mac.bytes.data()), eni);
    enis_on_port[e.port]++;
    s->ports[e.port].only_eni = eni;
    s->eni_subnet_nacl.push_back(uint32_t{e.subnet} << 16 | s->subnets[e.subnet].nacl);
    s->enis.push_back(std::move(e));
    s->eni_baselines.emplace_back();
  }
  for (const auto& [port, count] : enis_on_port)
    if (count > 1) s->ports[port].only_eni = kNoEni;

  compile_security_groups(c, sets.table ? sets : standalone_address_sets(c), *cache, *s);
  pack_untracked(*s);
  s->conntrack_capacity = c.conntrack().capacity() ? c.conntrack().capacity() : kDefaultConntrackCapacity;

  auto by_l2 = FlatMap<L2Key, uint16_t>::build(l2);
  auto by_address = FlatMap<RouteKey, uint16_t>::build(routes);
  if (!by_l2 || !by_address) throw std::logic_error("compile_snapshot: duplicate key in a validated config");
  s->eni_by_l2 = std::move(*by_l2);
  s->eni_by_address = std::move(*by_address);
  if (c.has_underlay()) s->overlay = compile_overlay(c, port_ids, overlay, *s);
  return s;
}

}  // namespace vfpath::control
