// Frame builders for table-driven tests: readable, byte-exact, with lengths
// and checksums computed unless a case overrides them to make a bad frame.
#pragma once

#include <arpa/inet.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "packet/checksum.h"

namespace vfpath::test {

using Bytes = std::vector<uint8_t>;

inline void put16(Bytes& b, uint16_t v) { b.push_back(v >> 8); b.push_back(v & 0xff); }
inline void put32(Bytes& b, uint32_t v) { put16(b, v >> 16); put16(b, v & 0xffff); }
inline void append(Bytes& b, const Bytes& x) { b.insert(b.end(), x.begin(), x.end()); }

inline Bytes mac(const std::string& s) {
  Bytes b;
  for (size_t i = 0; i < 17; i += 3) b.push_back(static_cast<uint8_t>(std::stoul(s.substr(i, 2), nullptr, 16)));
  return b;
}
inline Bytes ip4(const std::string& s) { Bytes b(4); inet_pton(AF_INET, s.c_str(), b.data()); return b; }
inline Bytes ip6(const std::string& s) { Bytes b(16); inet_pton(AF_INET6, s.c_str(), b.data()); return b; }

inline const std::string kRouterMac = "02:76:66:70:00:01";
inline const std::string kVm1Mac = "02:00:00:00:01:0a";
inline const std::string kVm2Mac = "02:00:00:00:02:0a";

inline Bytes eth(const std::string& dst, const std::string& src, uint16_t type, const Bytes& payload,
                 int vlan = -1) {
  Bytes b = mac(dst);
  append(b, mac(src));
  if (vlan >= 0) { put16(b, 0x8100); put16(b, static_cast<uint16_t>(vlan)); }
  put16(b, type);
  append(b, payload);
  return b;
}

struct Ip4Opts {
  uint8_t ttl = 64;
  uint16_t frag = 0;        // flags+offset word as on the wire
  Bytes options;            // appended to the header (multiple of 4)
  int total_length = -1;    // override
  bool bad_checksum = false;
  uint8_t version = 4;
  uint16_t id = 0x1234;
};
inline Bytes ipv4(const std::string& src, const std::string& dst, uint8_t proto, const Bytes& payload,
                  const Ip4Opts& o = {}) {
  Bytes h;
  uint8_t ihl = static_cast<uint8_t>(5 + o.options.size() / 4);
  h.push_back(static_cast<uint8_t>(o.version << 4 | ihl));
  h.push_back(0);
  put16(h, o.total_length >= 0 ? o.total_length : static_cast<uint16_t>(ihl * 4 + payload.size()));
  put16(h, o.id);
  put16(h, o.frag);
  h.push_back(o.ttl);
  h.push_back(proto);
  put16(h, 0);
  append(h, ip4(src));
  append(h, ip4(dst));
  append(h, o.options);
  be16 c = checksum_finish(checksum_partial(h.data(), h.size()));
  uint16_t cv = c.host() ^ (o.bad_checksum ? 0x0101 : 0);
  h[10] = cv >> 8;
  h[11] = cv & 0xff;
  append(h, payload);
  return h;
}

inline Bytes ipv6(const std::string& src, const std::string& dst, uint8_t next, const Bytes& payload,
                  uint8_t hop = 64, int payload_length = -1) {
  Bytes h;
  put32(h, 6u << 28);
  put16(h, payload_length >= 0 ? payload_length : static_cast<uint16_t>(payload.size()));
  h.push_back(next);
  h.push_back(hop);
  append(h, ip6(src));
  append(h, ip6(dst));
  append(h, payload);
  return h;
}

// An IPv6 extension header of `units` 8-byte units (hop-by-hop, dest opts, routing).
inline Bytes ext6(uint8_t next, uint8_t units = 1) {
  Bytes b{next, static_cast<uint8_t>(units - 1)};
  b.resize(units * 8, 0);
  return b;
}
inline Bytes frag6(uint8_t next, uint16_t offset_bytes, bool more) {
  Bytes b{next, 0};
  put16(b, static_cast<uint16_t>(offset_bytes | (more ? 1 : 0)));
  put32(b, 0xabcd);
  return b;
}

inline Bytes tcp(uint16_t sport, uint16_t dport, uint8_t flags = 0x02, uint8_t data_offset_words = 5,
                 const Bytes& payload = {}) {
  Bytes b;
  put16(b, sport); put16(b, dport); put32(b, 1000); put32(b, 0);
  b.push_back(static_cast<uint8_t>(data_offset_words << 4));
  b.push_back(flags);
  put16(b, 65535); put16(b, 0); put16(b, 0);
  if (data_offset_words > 5) b.resize(b.size() + (data_offset_words - 5) * 4, 1);
  append(b, payload);
  return b;
}

inline Bytes udp(uint16_t sport, uint16_t dport, const Bytes& payload = {}, int length = -1) {
  Bytes b;
  put16(b, sport); put16(b, dport);
  put16(b, length >= 0 ? length : static_cast<uint16_t>(8 + payload.size()));
  put16(b, 0);
  append(b, payload);
  return b;
}

// ICMP (v4): checksum over the message.
inline Bytes icmp4(uint8_t type, uint8_t code, uint16_t id = 0, uint16_t seq = 0, const Bytes& payload = {}) {
  Bytes b{type, code, 0, 0};
  put16(b, id); put16(b, seq);
  append(b, payload);
  be16 c = checksum_finish(checksum_partial(b.data(), b.size()));
  b[2] = c.host() >> 8; b[3] = c.host() & 0xff;
  return b;
}

// ICMPv6 inside an IPv6 header, checksum with the pseudo-header.
inline Bytes icmp6_packet(const std::string& src, const std::string& dst, const Bytes& body, uint8_t hop = 64) {
  Bytes msg = body;
  msg[2] = msg[3] = 0;
  Bytes s = ip6(src), d = ip6(dst);
  be16 c = ipv6_l4_checksum(s.data(), d.data(), 58, msg.data(), msg.size());
  msg[2] = c.host() >> 8; msg[3] = c.host() & 0xff;
  return ipv6(src, dst, 58, msg, hop);
}
inline Bytes icmp6_body(uint8_t type, uint8_t code, uint16_t id = 0, uint16_t seq = 0, const Bytes& payload = {}) {
  Bytes b{type, code, 0, 0};
  put16(b, id); put16(b, seq);
  append(b, payload);
  return b;
}
inline Bytes neighbor_solicit_body(const std::string& target, const std::string& source_mac) {
  Bytes b{135, 0, 0, 0, 0, 0, 0, 0};
  append(b, ip6(target));
  b.push_back(1); b.push_back(1);
  append(b, mac(source_mac));
  return b;
}

inline Bytes arp(uint16_t op, const std::string& smac, const std::string& sip, const std::string& tmac,
                 const std::string& tip) {
  Bytes b;
  put16(b, 1); put16(b, 0x0800); b.push_back(6); b.push_back(4); put16(b, op);
  append(b, mac(smac)); append(b, ip4(sip)); append(b, mac(tmac)); append(b, ip4(tip));
  return b;
}

inline Bytes truncate(Bytes b, size_t n) { b.resize(n); return b; }

}  // namespace vfpath::test
