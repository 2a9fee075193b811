// Addresses from configuration text. Each returns std::nullopt for text that
// is not exactly one address of the kind; prefixes also reject host bits set
// past the prefix length (`host_bits` tells the caller that was the reason).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "packet/addr.h"

namespace vfpath {

std::optional<MacAddr> parse_mac(std::string_view text);
std::optional<Ipv4Addr> parse_ipv4(std::string_view text);
std::optional<Ipv6Addr> parse_ipv6(std::string_view text);

struct PrefixParse {
  bool ok = false;
  bool host_bits = false;  // well-formed, but bits set past the length
  bool is_v6 = false;
  Ipv4Prefix v4;
  Ipv6Prefix v6;
};
PrefixParse parse_prefix(std::string_view text);

std::string to_string(const MacAddr& m);
std::string to_string(Ipv4Addr a);
std::string to_string(const Ipv6Addr& a);

}  // namespace vfpath
