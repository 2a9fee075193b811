#include "acl/nacl.h"

#include <algorithm>
#include <charconv>

namespace acl::nacl {
namespace {

std::string at(const RuleSpec& spec) { return "rule " + std::to_string(spec.number) + ": "; }

Error with_context(const RuleSpec& spec, Error e) {
  return make_error(e.code, at(spec) + e.message);
}

bool in_prefix(const Address& a, const Cidr& c) { return mask_address(a, c.len) == c.addr; }

bool in_range(uint16_t v, const PortRange& r) { return v >= r.lo && v <= r.hi; }

bool is_icmp(int16_t protocol) { return protocol == kIcmp || protocol == kIcmpv6; }
bool has_ports(int16_t protocol) { return protocol == kTcp || protocol == kUdp; }

bool matches(const NaclRule& r, Direction dir, const FiveTuple& p) {
  if (r.cidr.family != p.family) return false;
  if (!in_prefix(dir == Direction::kIngress ? p.src : p.dst, r.cidr)) return false;
  return matches_service(r, p.proto, p.sport, p.dport);
}

Result<int16_t> icmp_value(const RuleSpec& spec, int32_t v, const char* what) {
  if (v < -1 || v > 255) {
    return make_error(Errc::kInvalidArgument, at(spec) + what + " " + std::to_string(v) +
                                                  " is out of range (-1 = any, 0..255)");
  }
  return static_cast<int16_t>(v);
}

}  // namespace

bool matches_service(const NaclRule& r, uint8_t proto, uint16_t sport, uint16_t dport) {
  if (r.protocol == kAnyProtocol) return true;
  if (proto != r.protocol) return false;
  if (has_ports(r.protocol)) return in_range(dport, r.ports);
  if (is_icmp(r.protocol)) {
    return (r.icmp_type < 0 || sport == r.icmp_type) && (r.icmp_code < 0 || dport == r.icmp_code);
  }
  return true;
}

const char* direction_name(Direction dir) {
  return dir == Direction::kIngress ? "ingress" : "egress";
}

Result<int16_t> parse_protocol(std::string_view text) {
  struct Named {
    std::string_view name;
    int16_t value;
  };
  static constexpr Named kNames[] = {{"-1", kAnyProtocol}, {"all", kAnyProtocol},
                                     {"tcp", kTcp},        {"udp", kUdp},
                                     {"icmp", kIcmp},      {"icmpv6", kIcmpv6}};
  for (const Named& n : kNames) {
    if (text == n.name) return n.value;
  }
  int v = -2;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < 0 ||
      v > 255) {
    std::string msg = "protocol '";
    msg.append(text);
    msg += "' is not -1/all, tcp, udp, icmp, icmpv6 or 0..255";
    return make_error(Errc::kProtocolOutOfRange, std::move(msg));
  }
  return static_cast<int16_t>(v);
}

Result<NaclRule> validate(const RuleSpec& spec) {
  if (spec.number < kMinRuleNumber || spec.number > kMaxRuleNumber) {
    return make_error(Errc::kRuleNumberOutOfRange,
                      "rule number " + std::to_string(spec.number) + " is outside " +
                          std::to_string(kMinRuleNumber) + ".." + std::to_string(kMaxRuleNumber));
  }
  NaclRule r;
  r.number = static_cast<uint16_t>(spec.number);
  r.action = spec.action;
  auto cidr = parse_cidr(spec.cidr, HostBits::kReject);
  if (!cidr) return with_context(spec, cidr.error());
  r.cidr = cidr.value();
  auto proto = parse_protocol(spec.protocol);
  if (!proto) return with_context(spec, proto.error());
  r.protocol = proto.value();

  if (has_ports(r.protocol)) {
    const bool all = spec.port_from == -1 && spec.port_to == -1;
    if (!all) {
      for (int32_t p : {spec.port_from, spec.port_to}) {
        if (p < 0 || p > 65535) {
          return make_error(Errc::kInvalidArgument,
                            at(spec) + "port " + std::to_string(p) +
                                " is out of range (0..65535, or -1/-1 for all)");
        }
      }
      if (spec.port_from > spec.port_to) {
        return make_error(Errc::kReversedPortRange,
                          at(spec) + "port range " + std::to_string(spec.port_from) + "-" +
                              std::to_string(spec.port_to) + " is reversed");
      }
      r.ports = PortRange{static_cast<uint16_t>(spec.port_from),
                          static_cast<uint16_t>(spec.port_to)};
    }
  }
  if (is_icmp(r.protocol)) {
    auto type = icmp_value(spec, spec.icmp_type, "ICMP type");
    if (!type) return type.error();
    auto code = icmp_value(spec, spec.icmp_code, "ICMP code");
    if (!code) return code.error();
    r.icmp_type = type.value();
    r.icmp_code = code.value();
  }
  return r;
}

Nacl Nacl::default_allow(const Limits& limits) {
  Nacl n(limits);
  for (Direction d : {Direction::kIngress, Direction::kEgress}) {
    n.rules_[index(d)] = {
        NaclRule{.number = 100, .action = Action::kAllow,
                 .cidr = Cidr{Family::kIpv4, Address{}, 0}},
        NaclRule{.number = 101, .action = Action::kAllow,
                 .cidr = Cidr{Family::kIpv6, Address{}, 0}},
    };
  }
  return n;
}

Nacl Nacl::deny_all(const Limits& limits) { return Nacl(limits); }

Result<Nacl> Nacl::from_specs(std::span<const RuleSpec> ingress,
                              std::span<const RuleSpec> egress, const Limits& limits) {
  Nacl n(limits);
  for (Direction d : {Direction::kIngress, Direction::kEgress}) {
    for (const RuleSpec& spec : d == Direction::kIngress ? ingress : egress) {
      if (auto st = n.add(d, spec); !st) {
        return make_error(st.error().code,
                          std::string(direction_name(d)) + " " + st.error().message);
      }
    }
  }
  return n;
}

Status Nacl::add(Direction dir, const RuleSpec& spec) {
  auto rule = validate(spec);
  if (!rule) return rule.error();
  return add(dir, rule.value());
}

Status Nacl::add(Direction dir, const NaclRule& rule) {
  std::vector<NaclRule>& list = rules_[index(dir)];
  const auto pos = std::lower_bound(
      list.begin(), list.end(), rule.number,
      [](const NaclRule& r, uint16_t number) { return r.number < number; });
  if (pos != list.end() && pos->number == rule.number) {
    return make_error(Errc::kDuplicateRuleNumber,
                      "rule number " + std::to_string(rule.number) + " already exists");
  }
  const size_t same_family = static_cast<size_t>(
      std::count_if(list.begin(), list.end(), [&](const NaclRule& r) {
        return r.cidr.family == rule.cidr.family;
      }));
  if (same_family >= limits_.max_rules_per_direction) {
    return make_error(Errc::kRuleLimitExceeded,
                      "rule " + std::to_string(rule.number) + ": would exceed the limit of " +
                          std::to_string(limits_.max_rules_per_direction) + " IPv" +
                          std::to_string(static_cast<int>(rule.cidr.family)) +
                          " rules per direction");
  }
  list.insert(pos, rule);
  return Ok{};
}

bool Nacl::remove(Direction dir, uint16_t number) {
  std::vector<NaclRule>& list = rules_[index(dir)];
  const auto it = std::find_if(list.begin(), list.end(),
                               [number](const NaclRule& r) { return r.number == number; });
  if (it == list.end()) return false;
  list.erase(it);
  return true;
}

Verdict Nacl::evaluate(Direction dir, const FiveTuple& packet) const {
  for (const NaclRule& r : rules(dir)) {
    if (matches(r, dir, packet)) return Verdict{r.action, r.number};
  }
  return Verdict{Action::kDeny, 0};
}

}  // namespace acl::nacl
