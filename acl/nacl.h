// Network ACL semantics (AWS-style NACL), pure logic, no EAL.
//
// A NACL holds, per direction, numbered entries 1..32766. Evaluation takes
// the entries of the packet's direction and family in ascending number
// order; the first entry that matches decides allow/deny; if none matches,
// the implicit final entry ("*") denies. Each entry has one CIDR of one
// family: the source for ingress, the destination for egress. Port ranges
// (tcp/udp) always constrain the DESTINATION port, in both directions (so
// replies to inbound connections need an egress rule for the clients'
// ephemeral ports, e.g. 1024-65535). ICMP/ICMPv6 entries constrain type and
// code (-1 = any); at classification they live in the source/destination
// port fields (acl/rule.h).
//
// Defaults: default_allow() is the VPC default NACL (entry 100 allows all
// IPv4, 101 all IPv6, both directions); deny_all() is a new custom NACL
// (no entries, so only the implicit deny).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "acl/cidr.h"
#include "acl/result.h"
#include "acl/rule.h"

namespace acl::nacl {

enum class Action : uint8_t { kDeny = 0, kAllow = 1 };
enum class Direction : uint8_t { kIngress = 0, kEgress = 1 };

inline constexpr int32_t kMinRuleNumber = 1;
inline constexpr int32_t kMaxRuleNumber = 32766;
inline constexpr int16_t kAnyProtocol = -1;
inline constexpr uint8_t kTcp = 6, kUdp = 17, kIcmp = 1, kIcmpv6 = 58;

struct Limits {
  // Entries per direction and per family (the AWS quota counts IPv4 and
  // IPv6 separately). Raisable.
  size_t max_rules_per_direction = 20;
};

// An entry as the API / config gives it; validated into a NaclRule.
struct RuleSpec {
  int32_t number = 0;
  Action action = Action::kDeny;
  std::string cidr;              // "10.0.0.0/8", "2001:db8::/32"
  std::string protocol = "-1";   // "-1" / "all", "tcp", "udp", "icmp", "icmpv6", "0".."255"
  int32_t port_from = -1;        // tcp/udp: -1/-1 = all ports
  int32_t port_to = -1;
  int32_t icmp_type = -1;        // icmp/icmpv6: -1 = any
  int32_t icmp_code = -1;
};

// A validated entry, canonical form.
struct NaclRule {
  uint16_t number = 0;
  Action action = Action::kDeny;
  Cidr cidr;
  int16_t protocol = kAnyProtocol;  // -1 or 0..255
  PortRange ports;                  // destination ports (tcp/udp), else 0..65535
  int16_t icmp_type = -1;           // icmp/icmpv6 only, -1 = any
  int16_t icmp_code = -1;
  friend bool operator==(const NaclRule&, const NaclRule&) = default;
};

// The packet as NACL evaluation sees it (host-order ports; for ICMP, sport
// is the type and dport the code).
struct FiveTuple {
  Family family = Family::kIpv4;
  Address src{};
  Address dst{};
  uint16_t sport = 0;
  uint16_t dport = 0;
  uint8_t proto = 0;
};

struct Verdict {
  Action action = Action::kDeny;
  uint16_t rule_number = 0;  // 0 = the implicit deny
  friend bool operator==(const Verdict&, const Verdict&) = default;
};

// "-1"/"all" -> -1, names and 0..255 -> value; Errc::kProtocolOutOfRange.
Result<int16_t> parse_protocol(std::string_view text);

// Checks one entry. Errors name the entry number: kRuleNumberOutOfRange,
// kBadCidr, kHostBitsSet (with the canonical form), kProtocolOutOfRange,
// kReversedPortRange, kInvalidArgument (port or ICMP value out of range).
Result<NaclRule> validate(const RuleSpec& spec);

class Nacl final {
 public:
  static Nacl default_allow(const Limits& limits = {});
  static Nacl deny_all(const Limits& limits = {});
  // A custom NACL with these entries; the first invalid one is the error.
  static Result<Nacl> from_specs(std::span<const RuleSpec> ingress,
                                 std::span<const RuleSpec> egress, const Limits& limits = {});

  // Adds one entry: validate() errors, plus kDuplicateRuleNumber (same
  // number in this direction) and kRuleLimitExceeded.
  Status add(Direction dir, const RuleSpec& spec);
  // The same for an entry validate() made (a typed model's): only the
  // number and limit checks.
  Status add(Direction dir, const NaclRule& rule);
  // false if there is no such entry.
  bool remove(Direction dir, uint16_t number);

  // Sorted by number.
  const std::vector<NaclRule>& rules(Direction dir) const { return rules_[index(dir)]; }
  const Limits& limits() const { return limits_; }

  // The semantics, by definition (first match in number order, implicit
  // deny). The compiled classifier form must agree with this.
  Verdict evaluate(Direction dir, const FiveTuple& packet) const;

 private:
  explicit Nacl(const Limits& limits) : limits_(limits) {}
  static size_t index(Direction d) { return d == Direction::kIngress ? 0 : 1; }

  Limits limits_;
  std::vector<NaclRule> rules_[2];
};

// Does `r` match a packet of protocol `proto` with these host-order ports
// (ICMP: sport is the type, dport the code), whatever its addresses? The
// part of the semantics a rule whose peer is an address set shares with
// every other rule.
bool matches_service(const NaclRule& r, uint8_t proto, uint16_t sport, uint16_t dport);

const char* direction_name(Direction dir);

}  // namespace acl::nacl
