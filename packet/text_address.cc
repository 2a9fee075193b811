#include "packet/text_address.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstdio>
#include <cstring>

namespace vfpath {

std::optional<MacAddr> parse_mac(std::string_view t) {
  if (t.size() != 17) return std::nullopt;
  MacAddr m;
  for (int i = 0; i < 6; ++i) {
    if (i < 5 && t[i * 3 + 2] != ':') return std::nullopt;
    unsigned v = 0;
    auto [p, ec] = std::from_chars(t.data() + i * 3, t.data() + i * 3 + 2, v, 16);
    if (ec != std::errc() || p != t.data() + i * 3 + 2) return std::nullopt;
    m.bytes[i] = static_cast<uint8_t>(v);
  }
  return m;
}

std::optional<Ipv4Addr> parse_ipv4(std::string_view t) {
  std::string s(t);
  in_addr a{};
  if (inet_pton(AF_INET, s.c_str(), &a) != 1) return std::nullopt;
  return Ipv4Addr{be32::from_raw(a.s_addr)};
}

std::optional<Ipv6Addr> parse_ipv6(std::string_view t) {
  std::string s(t);
  Ipv6Addr a;
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) != 1) return std::nullopt;
  return a;
}

PrefixParse parse_prefix(std::string_view t) {
  PrefixParse r;
  auto slash = t.find('/');
  if (slash == std::string_view::npos) return r;
  std::string_view addr = t.substr(0, slash), len_text = t.substr(slash + 1);
  unsigned len = 0;
  auto [p, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  if (ec != std::errc() || p != len_text.data() + len_text.size() || len_text.empty()) return r;
  if (auto a4 = parse_ipv4(addr)) {
    if (len > 32) return r;
    r.v4 = Ipv4Prefix{*a4, static_cast<uint8_t>(len)};
    uint32_t mask = len == 0 ? 0 : ~0u << (32 - len);
    r.host_bits = (a4->host() & ~mask) != 0;
    r.ok = !r.host_bits;
    return r;
  }
  if (auto a6 = parse_ipv6(addr)) {
    if (len > 128) return r;
    r.is_v6 = true;
    r.v6 = Ipv6Prefix{*a6, static_cast<uint8_t>(len)};
    for (unsigned bit = len; bit < 128; ++bit)
      if (a6->bytes[bit / 8] & (0x80 >> (bit % 8))) r.host_bits = true;
    r.ok = !r.host_bits;
  }
  return r;
}

std::string to_string(const MacAddr& m) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m.bytes[0], m.bytes[1], m.bytes[2],
                m.bytes[3], m.bytes[4], m.bytes[5]);
  return buf;
}

std::string to_string(Ipv4Addr a) {
  char buf[INET_ADDRSTRLEN];
  uint32_t raw = a.value.raw();
  inet_ntop(AF_INET, &raw, buf, sizeof buf);
  return buf;
}

std::string to_string(const Ipv6Addr& a) {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, a.bytes.data(), buf, sizeof buf);
  return buf;
}

}  // namespace vfpath
