#include "control/sg_config.h"

#include <algorithm>

#include "control/compile.h"
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

acl::nacl::NaclRule set_rule_match(const config::v1::SgRule& rule, int32_t number) {
  auto r = acl::nacl::validate(sg_rule_spec(rule, "0.0.0.0/0", number));
  if (!r.ok()) throw std::logic_error("SgModel::expand: unvalidated rule: " + r.error().message);
  return r.value();
}

// True when `r` allows every port of protocol `proto` (6 or 17) from/to
// everywhere of its family.
bool opens_all(const acl::nacl::NaclRule& r, uint8_t proto) {
  if (r.cidr.len != 0) return false;
  if (r.protocol == acl::nacl::kAnyProtocol) return true;
  return r.protocol == proto && r.ports.lo == 0 && r.ports.hi == 65535;
}

}  // namespace

std::string group_set_name(const std::string& group_key) { return "sg:" + group_key; }
std::string prefix_list_set_name(const std::string& id) { return "pl:" + id; }

SgModel::SgModel(const config::v1::Config& c) {
  for (const auto& g : c.security_groups()) groups_.emplace(g.id(), &g);
  for (const auto& l : c.prefix_lists()) lists_.emplace(l.id(), &l);
  std::map<std::string, std::string> subnet_vpc;
  for (const auto& s : c.subnets()) subnet_vpc.emplace(s.id(), s.vpc());
  for (const auto& e : c.enis()) {
    std::vector<std::string> groups(e.security_groups().begin(), e.security_groups().end());
    if (groups.empty()) groups.push_back(default_key(subnet_vpc.at(e.subnet())));
    for (const auto& g : groups) {
      auto& m = members_[g];
      m.insert(m.end(), e.ipv4().begin(), e.ipv4().end());
      m.insert(m.end(), e.ipv6().begin(), e.ipv6().end());
    }
    eni_groups_.push_back(std::move(groups));
  }
  // ENIs on other hosts (overlay mappings) are members as well.
  for (const auto& m : c.mappings()) {
    std::vector<std::string> groups(m.security_groups().begin(), m.security_groups().end());
    if (groups.empty()) groups.push_back(default_key(m.vpc()));
    for (const auto& g : groups) members_[g].push_back(m.ip());
  }
  for (auto& [key, addrs] : members_)
    for (auto& a : addrs) a += a.find(':') == std::string::npos ? "/32" : "/128";
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
    return number;
  };
  auto add = [&](acl::nacl::Direction dir, const config::v1::SgRule& rule, const std::string& cidr, SgRuleRef ref) {
    auto status = out.nacl.add(dir, sg_rule_spec(rule, cidr, next_number()));
    if (!status.ok()) throw std::logic_error("SgModel::expand: unvalidated rule: " + status.error().message);
    out.refs.push_back(std::move(ref));
  };
  auto add_set = [&](acl::nacl::Direction dir, const config::v1::SgRule& rule, std::string set, SgRuleRef ref) {
    out.set_rules.push_back(SetRuleSpec{dir, set_rule_match(rule, next_number()), std::move(set)});
    out.refs.push_back(std::move(ref));
  };
  auto add_rule = [&](const std::string& group, acl::nacl::Direction dir, int index, const config::v1::SgRule& rule) {
    for (const auto& cidr : rule.cidrs()) add(dir, rule, cidr, {group, dir, index, cidr});
    for (const auto& id : rule.prefix_lists())
      add_set(dir, rule, prefix_list_set_name(id), {group, dir, index, "prefix list " + id});
    for (const auto& id : rule.security_groups())
      add_set(dir, rule, group_set_name(id), {group, dir, index, "group " + id});
  };
  for (const auto& g : groups) {
    if (g == default_key(vpc)) {
      config::v1::SgRule all;
      all.set_protocol("-1");
      add_set(acl::nacl::Direction::kIngress, all, group_set_name(g), {"default", acl::nacl::Direction::kIngress, -1, "default group"});
      for (const char* cidr : {"0.0.0.0/0", "::/0"})
        add(acl::nacl::Direction::kEgress, all, cidr, {"default", acl::nacl::Direction::kEgress, -1, cidr});
      continue;
    }
    const auto& sg = *groups_.at(g);
    for (int i = 0; i < sg.ingress_size(); ++i) add_rule(g, acl::nacl::Direction::kIngress, i, sg.ingress(i));
    for (int i = 0; i < sg.egress_size(); ++i) add_rule(g, acl::nacl::Direction::kEgress, i, sg.egress(i));
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
    const auto& sg = *groups_.at(g);
    field(sg.SerializeAsString());
    for (const auto* rules : {&sg.ingress(), &sg.egress()})
      for (const auto& r : *rules) {
        for (const auto& id : r.prefix_lists()) key_of(prefix_list_set_name(id));
        for (const auto& id : r.security_groups()) key_of(group_set_name(id));
      }
  }
  return out;
}

std::map<std::string, std::vector<std::string>> SgModel::address_sets() const {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& [id, group] : groups_) out[group_set_name(id)];
  for (const auto& [key, addrs] : members_) out[group_set_name(key)] = addrs;
  for (const auto& [id, list] : lists_) out[prefix_list_set_name(id)].assign(list->cidrs().begin(), list->cidrs().end());
  return out;
}

}  // namespace vfpath::control
