#include "control/sg_config.h"

#include <algorithm>

#include "control/compile.h"
#include "control/model.h"
#include "control/nacl_config.h"

namespace vfpath::control {

SgLimits sg_limits(const config::v1::Config& c) {
  SgLimits l;
  if (c.limits().sg_rules_per_direction()) l.rules_per_direction = c.limits().sg_rules_per_direction();
  if (c.limits().security_groups_per_eni()) l.groups_per_eni = c.limits().security_groups_per_eni();
  if (c.limits().prefix_list_entries()) l.prefix_list_entries = c.limits().prefix_list_entries();
  return l;
}

acl::nacl::RuleSpec sg_rule_spec(const config::v1::SgRule& rule, const std::string& cidr, int32_t number) {
  acl::nacl::RuleSpec r;
  r.number = number;
  r.action = acl::nacl::Action::kAllow;
  r.cidr = cidr;
  fill_match(rule, r);
  return r;
}

uint32_t sg_rule_cost(const config::v1::SgRule& rule, const std::map<std::string, const config::v1::PrefixList*>& lists) {
  uint32_t cost = static_cast<uint32_t>(rule.cidrs_size() + rule.security_groups_size());
  for (const auto& id : rule.prefix_lists()) {
    auto it = lists.find(id);
    if (it == lists.end()) continue;
    cost += it->second->max_entries() ? it->second->max_entries() : static_cast<uint32_t>(it->second->cidrs_size());
  }
  return cost;
}

namespace {

std::string default_key(const std::string& vpc) { return "default:" + vpc; }

acl::Cidr host_cidr(Ipv4Addr a) { return acl::Cidr{acl::Family::kIpv4, acl::Address::v4(a.host()), 32}; }

acl::Cidr host_cidr(const Ipv6Addr& a) {
  acl::Cidr c{acl::Family::kIpv6, {}, 128};
  c.addr.bytes = a.bytes;
  return c;
}

acl::Cidr host_cidr(const encap::UnderlayIp& a) {
  return a.ipv6 ? host_cidr(Ipv6Addr::from(a.addr.bytes)) : host_cidr(Ipv4Addr{be32::from_raw(a.addr.words[0])});
}

// True when `r` allows every port of protocol `proto` (6 or 17) from/to
// everywhere of its family.
bool opens_all(const acl::nacl::NaclRule& r, uint8_t proto) {
  if (r.cidr.len != 0) return false;
  if (r.protocol == acl::nacl::kAnyProtocol) return true;
  return r.protocol == proto && r.ports.lo == 0 && r.ports.hi == 65535;
}

// The implicit default group's rules: all protocols, allow.
acl::nacl::NaclRule allow_all() {
  acl::nacl::RuleSpec spec;
  spec.action = acl::nacl::Action::kAllow;
  spec.number = 1;
  spec.cidr = "0.0.0.0/0";
  return acl::nacl::validate(spec).value();
}

}  // namespace

std::string group_set_name(const std::string& group_key) { return "sg:" + group_key; }
std::string prefix_list_set_name(const std::string& id) { return "pl:" + id; }

SgModel::SgModel(const Model& m) : model_(m) {
  for (const auto& g : m.security_groups) groups_.emplace(g.id, &g);
  auto members_of = [&](const std::vector<uint16_t>& groups, uint16_t vpc) {
    std::vector<std::string> keys;
    for (uint16_t g : groups) keys.push_back(m.security_groups[g].id);
    if (keys.empty()) keys.push_back(default_key(m.vpcs[vpc].id));
    return keys;
  };
  for (const EniModel& e : m.enis) {
    std::vector<std::string> groups = members_of(e.security_groups, e.vpc);
    for (const auto& g : groups) {
      auto& members = members_[g];
      for (const Ipv4Addr& a : e.ipv4) members.push_back(host_cidr(a));
      for (const Ipv6Addr& a : e.ipv6) members.push_back(host_cidr(a));
    }
    eni_groups_.push_back(std::move(groups));
  }
  // ENIs on other hosts (overlay mappings) are members as well.
  for (const MappingModel& mapping : m.mappings)
    for (const auto& g : members_of(mapping.security_groups, mapping.vpc)) members_[g].push_back(host_cidr(mapping.ip));
}

ExpandedPolicy SgModel::expand(const std::vector<std::string>& groups, const std::string& vpc) const {
  acl::nacl::Limits unlimited;
  unlimited.max_rules_per_direction = SIZE_MAX;
  ExpandedPolicy out{acl::nacl::Nacl::deny_all(unlimited), {}, {}, {}};
  auto next_number = [&] {
    const auto number = static_cast<int32_t>(out.refs.size() + 1);
    if (number > acl::nacl::kMaxRuleNumber)
      throw CompileError("the security groups of one ENI expand to more than " +
                         std::to_string(acl::nacl::kMaxRuleNumber) + " (rule, peer) pairs");
    return static_cast<uint16_t>(number);
  };
  auto add = [&](acl::nacl::Direction dir, const acl::nacl::NaclRule& match, const acl::Cidr& cidr, SgRuleRef ref) {
    acl::nacl::NaclRule r = match;
    r.number = next_number();
    r.cidr = cidr;
    auto status = out.nacl.add(dir, r);
    if (!status.ok()) throw std::logic_error("SgModel::expand: " + status.error().message);
    out.refs.push_back(std::move(ref));
  };
  auto add_set = [&](acl::nacl::Direction dir, const acl::nacl::NaclRule& match, std::string set, SgRuleRef ref) {
    acl::nacl::NaclRule r = match;
    r.number = next_number();
    r.cidr = acl::Cidr{};  // unused: the set is the peer
    out.set_rules.push_back(SetRuleSpec{dir, r, std::move(set)});
    out.refs.push_back(std::move(ref));
  };
  auto add_rule = [&](const std::string& group, acl::nacl::Direction dir, int index, const SgRuleModel& rule) {
    for (size_t k = 0; k < rule.cidrs.size(); ++k) add(dir, rule.match, rule.cidrs[k], {group, dir, index, rule.cidr_text[k]});
    for (uint16_t l : rule.prefix_lists) {
      const std::string& id = model_.prefix_lists[l].id;
      add_set(dir, rule.match, prefix_list_set_name(id), {group, dir, index, "prefix list " + id});
    }
    for (uint16_t g : rule.groups) {
      const std::string& id = model_.security_groups[g].id;
      add_set(dir, rule.match, group_set_name(id), {group, dir, index, "group " + id});
    }
  };
  for (const auto& g : groups) {
    if (g == default_key(vpc)) {
      const acl::nacl::NaclRule all = allow_all();
      add_set(acl::nacl::Direction::kIngress, all, group_set_name(g), {"default", acl::nacl::Direction::kIngress, -1, "default group"});
      for (const char* cidr : {"0.0.0.0/0", "::/0"})
        add(acl::nacl::Direction::kEgress, all, acl::parse_cidr(cidr, acl::HostBits::kReject).value(),
            {"default", acl::nacl::Direction::kEgress, -1, cidr});
      continue;
    }
    const SecurityGroupModel& sg = *groups_.at(g);
    for (size_t i = 0; i < sg.ingress.size(); ++i) add_rule(g, acl::nacl::Direction::kIngress, static_cast<int>(i), sg.ingress[i]);
    for (size_t i = 0; i < sg.egress.size(); ++i) add_rule(g, acl::nacl::Direction::kEgress, static_cast<int>(i), sg.egress[i]);
  }
  for (int fam = 0; fam < 2; ++fam) {
    const auto family = fam ? acl::Family::kIpv6 : acl::Family::kIpv4;
    for (int p = 0; p < 2; ++p) {
      const uint8_t proto = p ? acl::nacl::kUdp : acl::nacl::kTcp;
      bool open[2] = {false, false};
      for (auto dir : {acl::nacl::Direction::kIngress, acl::nacl::Direction::kEgress})
        for (const auto& r : out.nacl.rules(dir))
          if (r.cidr.family == family && opens_all(r, proto)) open[static_cast<int>(dir)] = true;
      out.untracked[fam][p] = open[0] && open[1];
    }
  }
  return out;
}

std::string SgModel::fingerprint(const std::vector<std::string>& groups, const std::string& vpc,
                                 const std::map<std::string, uint16_t>& set_keys) const {
  // Every field length-prefixed: serialized protos contain any byte.
  std::string out;
  auto field = [&](const std::string& f) { out += std::to_string(f.size()) + ":" + f; };
  auto key_of = [&](const std::string& set) {
    auto it = set_keys.find(set);
    field(set);
    field(it == set_keys.end() ? std::string("?") : std::to_string(it->second));
  };
  field(vpc);
  for (const auto& g : groups) {
    field(g);
    if (g == default_key(vpc)) {
      key_of(group_set_name(g));
      continue;
    }
    const SecurityGroupModel& sg = *groups_.at(g);
    field(sg.cache_key);
    for (const auto* rules : {&sg.ingress, &sg.egress})
      for (const SgRuleModel& r : *rules) {
        for (uint16_t l : r.prefix_lists) key_of(prefix_list_set_name(model_.prefix_lists[l].id));
        for (uint16_t peer : r.groups) key_of(group_set_name(model_.security_groups[peer].id));
      }
  }
  return out;
}

std::map<std::string, std::vector<acl::Cidr>> SgModel::address_sets() const {
  std::map<std::string, std::vector<acl::Cidr>> out;
  for (const auto& [id, group] : groups_) out[group_set_name(id)];
  for (const auto& [key, addrs] : members_) out[group_set_name(key)] = addrs;
  for (const PrefixListModel& list : model_.prefix_lists) out[prefix_list_set_name(list.id)] = list.cidrs;
  return out;
}

}  // namespace vfpath::control
