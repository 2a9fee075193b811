#include "control/vfpathctl/sg_verbs.h"

#include <algorithm>
#include <charconv>

namespace vfpath::ctl {
namespace {

bool parse_int(const std::string& s, long lo, long hi, long& out) {
  const char* end = s.data() + s.size();
  auto r = std::from_chars(s.data(), end, out);
  return r.ec == std::errc() && r.ptr == end && out >= lo && out <= hi;
}

// Same protocol, ports and ICMP type/code: the peers are what differs.
bool same_shape(const config::v1::SgRule& a, const config::v1::SgRule& b) {
  auto proto = [](const std::string& p) { return p.empty() || p == "all" ? std::string("-1") : p; };
  return proto(a.protocol()) == proto(b.protocol()) && a.has_port_range() == b.has_port_range() &&
         a.port_range().from() == b.port_range().from() && a.port_range().to() == b.port_range().to() &&
         a.has_icmp() == b.has_icmp() && a.icmp().type() == b.icmp().type() && a.icmp().code() == b.icmp().code();
}

template <typename List>
bool add_missing(List* to, const List& from) {
  bool added = false;
  for (const auto& x : from)
    if (std::find(to->begin(), to->end(), x) == to->end()) {
      *to->Add() = x;
      added = true;
    }
  return added;
}

template <typename List>
bool contains_all(const List& in, const List& wanted) {
  return std::all_of(wanted.begin(), wanted.end(), [&](const auto& x) { return std::find(in.begin(), in.end(), x) != in.end(); });
}

template <typename List>
void remove_all(List* from, const List& gone) {
  List kept;
  for (const auto& x : *from)
    if (std::find(gone.begin(), gone.end(), x) == gone.end()) *kept.Add() = x;
  from->Swap(&kept);
}

}  // namespace

bool rule_from_args(const SgRuleArgs& a, config::v1::SgRule& rule, std::string& error) {
  rule.Clear();
  rule.set_protocol(a.protocol);
  const bool ported = a.protocol == "tcp" || a.protocol == "udp" || a.protocol == "6" || a.protocol == "17";
  const bool icmp = a.protocol == "icmp" || a.protocol == "icmpv6" || a.protocol == "1" || a.protocol == "58";
  if (!a.ports.empty()) {
    if (!ported) return error = "-p (ports) is for tcp and udp", false;
    const auto dash = a.ports.find('-');
    long from = 0, to = 0;
    if (!parse_int(a.ports.substr(0, dash), 0, 65535, from) ||
        !parse_int(dash == std::string::npos ? a.ports : a.ports.substr(dash + 1), 0, 65535, to))
      return error = "-p takes a port or a range (22, 1024-65535): \"" + a.ports + "\"", false;
    rule.mutable_port_range()->set_from(static_cast<uint32_t>(from));
    rule.mutable_port_range()->set_to(static_cast<uint32_t>(to));
  }
  if (!a.icmp.empty()) {
    if (!icmp) return error = "-t (ICMP type:code) is for icmp and icmpv6", false;
    const auto colon = a.icmp.find(':');
    long type = 0, code = -1;
    if (!parse_int(a.icmp.substr(0, colon), -1, 255, type) ||
        (colon != std::string::npos && !parse_int(a.icmp.substr(colon + 1), -1, 255, code)))
      return error = "-t takes TYPE[:CODE] (8, 8:0, 3:-1): \"" + a.icmp + "\"", false;
    rule.mutable_icmp()->set_type(static_cast<int32_t>(type));
    rule.mutable_icmp()->set_code(static_cast<int32_t>(code));
  }
  for (const auto& c : a.cidrs) rule.add_cidrs(c);
  for (const auto& g : a.groups) rule.add_security_groups(g);
  for (const auto& p : a.prefix_lists) rule.add_prefix_lists(p);
  if (rule.cidrs_size() + rule.security_groups_size() + rule.prefix_lists_size() == 0)
    return error = "name at least one peer: -s CIDR, -g GROUP or --prefix-list ID", false;
  return true;
}

bool authorize(config::v1::SecurityGroup& g, bool egress, const config::v1::SgRule& rule) {
  auto* rules = egress ? g.mutable_egress() : g.mutable_ingress();
  for (auto& r : *rules)
    if (same_shape(r, rule)) {
      const bool a = add_missing(r.mutable_cidrs(), rule.cidrs());
      const bool b = add_missing(r.mutable_security_groups(), rule.security_groups());
      const bool c = add_missing(r.mutable_prefix_lists(), rule.prefix_lists());
      return a || b || c;
    }
  *rules->Add() = rule;
  return true;
}

bool revoke(config::v1::SecurityGroup& g, bool egress, const config::v1::SgRule& rule, std::string& error) {
  auto* rules = egress ? g.mutable_egress() : g.mutable_ingress();
  for (int i = 0; i < rules->size(); ++i) {
    auto& r = (*rules)[i];
    if (!same_shape(r, rule)) continue;
    if (!contains_all(r.cidrs(), rule.cidrs()) || !contains_all(r.security_groups(), rule.security_groups()) ||
        !contains_all(r.prefix_lists(), rule.prefix_lists()))
      break;
    remove_all(r.mutable_cidrs(), rule.cidrs());
    remove_all(r.mutable_security_groups(), rule.security_groups());
    remove_all(r.mutable_prefix_lists(), rule.prefix_lists());
    if (r.cidrs_size() + r.security_groups_size() + r.prefix_lists_size() == 0) rules->DeleteSubrange(i, 1);
    return true;
  }
  error = "security group " + g.id() + " has no " + (egress ? "egress" : "ingress") + " rule " + rule.protocol() +
          (rule.has_port_range() ? " " + std::to_string(rule.port_range().from()) + "-" + std::to_string(rule.port_range().to()) : "") +
          " with those peers";
  return false;
}

}  // namespace vfpath::ctl
