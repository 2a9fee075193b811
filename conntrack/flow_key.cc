#include "conntrack/flow_key.h"

#include <cstddef>
#include <cstring>

#include "packet/net_headers.h"

namespace vfpath::ct {
namespace {

// A total order on addresses; any consistent order works, this one is two
// compares.
int compare_addr(const IpAddr& x, const IpAddr& y) {
  if (x.qwords[0] != y.qwords[0]) return x.qwords[0] < y.qwords[0] ? -1 : 1;
  if (x.qwords[1] != y.qwords[1]) return x.qwords[1] < y.qwords[1] ? -1 : 1;
  return 0;
}

}  // namespace

bool is_icmp_error(uint8_t family, uint8_t type) {
  if (family == 4) return type == 3 || type == 11 || type == 12;
  return type >= 1 && type <= 4;
}

bool is_icmp_echo(uint8_t family, uint8_t type) {
  if (family == 4) return type == wire::kIcmpEchoRequest || type == wire::kIcmpEchoReply;
  return type == wire::kIcmpv6EchoRequest || type == wire::kIcmpv6EchoReply;
}

KeyResult make_key(uint16_t zone, uint8_t family, uint8_t proto, const IpAddr& src, const IpAddr& dst,
                   be16 sport, be16 dport, bool echo) {
  KeyResult r{};
  r.status = KeyStatus::kOk;
  int c = compare_addr(src, dst);
  bool src_is_a;
  be16 port_a, port_b;
  if (echo) {
    src_is_a = c <= 0;
    port_a = sport;
    port_b = be16{};
  } else {
    src_is_a = c < 0 || (c == 0 && sport.host() <= dport.host());
    port_a = src_is_a ? sport : dport;
    port_b = src_is_a ? dport : sport;
  }
  // Ports, zone, protocol and family are one 8-byte word, built in a
  // register and stored once: flow_hash and the key compare read it as one
  // word, and narrow stores read back wide stall on store forwarding
  // (measured: the largest cost of the conntrack stage before this).
  const uint64_t tail = uint64_t{port_a.raw()} | uint64_t{port_b.raw()} << 16 | uint64_t{zone} << 32 |
                        uint64_t{proto} << 48 | uint64_t{family} << 56;
  static_assert(offsetof(FlowKey, port_a) == 32 && offsetof(FlowKey, port_b) == 34 && offsetof(FlowKey, proto) == 38);
  std::memcpy(reinterpret_cast<uint8_t*>(&r.key) + 32, &tail, sizeof tail);
  r.key.a = src_is_a ? src : dst;
  r.key.b = src_is_a ? dst : src;
  r.src_side = src_is_a ? Side::kA : Side::kB;
  return r;
}

KeyResult flow_key_of(const PacketMeta& m, uint16_t zone) {
  KeyResult r{};
  if (m.kind != PacketKind::kIpv4 && m.kind != PacketKind::kIpv6) {
    r.status = KeyStatus::kNotIp;
    return r;
  }
  uint8_t family = m.kind == PacketKind::kIpv4 ? 4 : 6;
  uint8_t icmp = family == 4 ? wire::kProtoIcmp : wire::kProtoIcmpv6;
  bool has_l4 = m.has(meta_flags::kHasL4);
  switch (m.l4_proto) {
    case wire::kProtoTcp:
    case wire::kProtoUdp:
      if (!has_l4) break;
      return make_key(zone, family, m.l4_proto, m.src, m.dst, m.src_port, m.dst_port, false);
    default:
      if (m.l4_proto != icmp) return make_key(zone, family, m.l4_proto, m.src, m.dst, be16{}, be16{}, false);
      if (!has_l4) break;
      if (is_icmp_error(family, m.type)) {
        r.status = KeyStatus::kIcmpError;
        return r;
      }
      if (is_icmp_echo(family, m.type))
        return make_key(zone, family, m.l4_proto, m.src, m.dst, m.src_port, be16{}, true);
      return make_key(zone, family, m.l4_proto, m.src, m.dst, be16{}, be16{}, false);
  }
  r.status = KeyStatus::kNoPorts;
  return r;
}

}  // namespace vfpath::ct
