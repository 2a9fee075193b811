#include "acl/cidr.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace acl {
namespace {

// 'text' (built by appending: GCC 12 warns falsely on "lit" + std::string).
std::string quote(std::string_view text) {
  std::string q(1, '\'');
  q.append(text);
  q += '\'';
  return q;
}

}  // namespace

Address mask_address(const Address& addr, uint8_t len) {
  Address out = addr;
  for (unsigned i = 0; i < 16; ++i) {
    const unsigned bit = i * 8;
    if (bit >= len) {
      out.bytes[i] = 0;
    } else if (len - bit < 8) {
      out.bytes[i] &= static_cast<uint8_t>(0xff << (8 - (len - bit)));
    }
  }
  return out;
}

Result<Address> parse_address(std::string_view text, Family family) {
  // inet_pton needs a NUL-terminated string; addresses are short.
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof(buf)) {
    return make_error(Errc::kBadCidr, quote(text) + " is not an IP address");
  }
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  Address a;
  const int af = family == Family::kIpv4 ? AF_INET : AF_INET6;
  if (inet_pton(af, buf, a.bytes.data()) != 1) {
    std::string msg = quote(text);
    msg += family == Family::kIpv4 ? " is not an IPv4 address" : " is not an IPv6 address";
    return make_error(Errc::kBadCidr, std::move(msg));
  }
  return a;
}

Result<Cidr> parse_cidr(std::string_view text, HostBits host_bits) {
  const std::string quoted = quote(text);
  const size_t slash = text.find('/');
  const std::string_view addr_text = text.substr(0, slash);
  Cidr c;
  c.family = addr_text.find(':') != std::string_view::npos ? Family::kIpv6 : Family::kIpv4;
  auto addr = parse_address(addr_text, c.family);
  if (!addr) return make_error(Errc::kBadCidr, quoted + " is not a CIDR: " + addr.error().message);
  const uint8_t max_len = max_prefix_len(c.family);
  c.len = max_len;
  if (slash != std::string_view::npos) {
    const std::string_view len_text = text.substr(slash + 1);
    unsigned len = 0;
    const auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
    if (len_text.empty() || ec != std::errc() || end != len_text.data() + len_text.size() ||
        len > max_len) {
      return make_error(Errc::kBadCidr, quoted + " has a bad prefix length (want 0.." +
                                            std::to_string(max_len) + ")");
    }
    c.len = static_cast<uint8_t>(len);
  }
  c.addr = mask_address(addr.value(), c.len);
  if (host_bits == HostBits::kReject && !(c.addr == addr.value())) {
    return make_error(Errc::kHostBitsSet, quoted + " has host bits set past /" +
                                              std::to_string(c.len) + " (canonical form is " +
                                              to_string(c) + ")");
  }
  return c;
}

std::string format_address(Family family, const Address& addr) {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(family == Family::kIpv4 ? AF_INET : AF_INET6, addr.bytes.data(), buf, sizeof(buf));
  return buf;
}

std::string to_string(const Cidr& cidr) {
  return format_address(cidr.family, cidr.addr) + "/" + std::to_string(cidr.len);
}

}  // namespace acl
