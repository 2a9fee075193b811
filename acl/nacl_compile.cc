#include "acl/nacl_compile.h"

namespace acl::nacl {
namespace {

PortRange exactly(int16_t v) {
  return PortRange{static_cast<uint16_t>(v), static_cast<uint16_t>(v)};
}

}  // namespace

CompiledNacl compile(const Nacl& nacl, Direction dir, Family family) {
  CompiledNacl out;
  out.family = family;
  out.direction = dir;
  out.verdicts.push_back(Verdict{Action::kDeny, 0});
  for (const NaclRule& e : nacl.rules(dir)) {  // sorted by number
    if (e.cidr.family != family) continue;
    Rule r;
    r.family = family;
    if (dir == Direction::kIngress) {
      r.src = e.cidr.addr;
      r.src_len = e.cidr.len;
    } else {
      r.dst = e.cidr.addr;
      r.dst_len = e.cidr.len;
    }
    if (e.protocol != kAnyProtocol) {
      r.proto = static_cast<uint8_t>(e.protocol);
      r.proto_mask = 0xff;
      if (e.protocol == kTcp || e.protocol == kUdp) {
        r.dport = e.ports;
      } else if (e.protocol == kIcmp || e.protocol == kIcmpv6) {
        // ICMP type in the source-port field, code in the destination-port
        // field (acl/rule.h); -1 keeps the full range.
        if (e.icmp_type >= 0) r.sport = exactly(e.icmp_type);
        if (e.icmp_code >= 0) r.dport = exactly(e.icmp_code);
      }
    }
    out.rules.push_back(r);
    out.verdicts.push_back(Verdict{e.action, e.number});
  }
  return out;
}

Ipv4Key to_ipv4_key(const FiveTuple& p) {
  return make_ipv4_key(p.src.v4_host(), p.dst.v4_host(), p.sport, p.dport, p.proto);
}

Ipv6Key to_ipv6_key(const FiveTuple& p) {
  return make_ipv6_key(p.src, p.dst, p.sport, p.dport, p.proto);
}

}  // namespace acl::nacl
