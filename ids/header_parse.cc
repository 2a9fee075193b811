#include "ids/header_parse.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

#include "ids/quoted.h"
#include "packet/text_address.h"

namespace vfpath::ids {
namespace {

// Splits "a,[b,c],d" at top-level commas.
bool split_list(std::string_view inner, std::vector<std::string_view>& items, std::string& error) {
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i <= inner.size(); ++i) {
    if (i == inner.size() || (inner[i] == ',' && depth == 0)) {
      std::string_view item = inner.substr(start, i - start);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      if (item.empty()) {
        error = "empty item in list";
        return false;
      }
      items.push_back(item);
      start = i + 1;
    } else if (inner[i] == '[') {
      ++depth;
    } else if (inner[i] == ']') {
      if (--depth < 0) break;
    }
  }
  if (depth != 0) {
    error = "unbalanced brackets";
    return false;
  }
  return true;
}

bool parse_cidr(std::string_view text, Cidr& out, std::string& error) {
  const size_t slash = text.find('/');
  std::string addr(text.substr(0, slash));
  out = Cidr{};
  int max_len = 32;
  if (auto a4 = parse_ipv4(addr)) {  // packet/text_address.h: the project's one address parser
    out.family = Family::V4;
    std::memcpy(out.addr.data(), &a4->value, 4);
  } else if (auto a6 = parse_ipv6(addr)) {
    out.family = Family::V6;
    std::memcpy(out.addr.data(), a6->bytes.data(), 16);
    max_len = 128;
  } else {
    error = quoted(text) + " is not an IPv4 or IPv6 address";
    return false;
  }
  int len = max_len;
  if (slash != std::string_view::npos) {
    std::string_view l = text.substr(slash + 1);
    auto [p, ec] = std::from_chars(l.data(), l.data() + l.size(), len);
    if (ec != std::errc() || p != l.data() + l.size() || len < 0 || len > max_len) {
      error = "prefix length '" + std::string(l) + "' is not 0.." + std::to_string(max_len);
      return false;
    }
  }
  out.prefix_len = static_cast<uint8_t>(len);
  for (int bit = len; bit < max_len; ++bit) out.addr[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
  return true;
}

bool parse_port_atom(std::string_view text, PortRange& out, std::string& error) {
  auto number = [&](std::string_view s, uint16_t& v) {
    unsigned n = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size() || n > 65535) {
      error = quoted(s) + " is not a port 0..65535";
      return false;
    }
    v = static_cast<uint16_t>(n);
    return true;
  };
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    if (!number(text, out.lo)) return false;
    out.hi = out.lo;
    return true;
  }
  out = PortRange{};
  std::string_view lo = text.substr(0, colon), hi = text.substr(colon + 1);
  if (lo.empty() && hi.empty()) {
    error = "range ':' needs at least one bound";
    return false;
  }
  if (!lo.empty() && !number(lo, out.lo)) return false;
  if (!hi.empty() && !number(hi, out.hi)) return false;
  if (out.lo > out.hi) {
    error = "range '" + std::string(text) + "' is empty (low bound above high bound)";
    return false;
  }
  return true;
}

std::vector<Cidr> universal(Cidr) {
  Cidr v6{};
  v6.family = Family::V6;
  return {Cidr{}, v6};  // 0.0.0.0/0 and ::/0
}
std::vector<PortRange> universal(PortRange) { return {PortRange{}}; }

// One recursive walker for both kinds: Atom parses a leaf into T.
template <typename T, typename Match, typename AtomFn>
bool walk(std::string_view text, bool negated, bool in_negated_list, Match& out,
          AtomFn atom, std::string& error) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty()) {
    error = "empty";
    return false;
  }
  if (text.front() == '!') {
    if (in_negated_list) {
      error = "a negation inside a negated list is not supported";
      return false;
    }
    return walk<T>(text.substr(1), !negated, false, out, atom, error);
  }
  if (text.front() == '[') {
    if (text.back() != ']') {
      error = "list '" + std::string(text) + "' is not closed by ']'";
      return false;
    }
    std::vector<std::string_view> items;
    if (!split_list(text.substr(1, text.size() - 2), items, error)) return false;
    for (std::string_view item : items)
      if (!walk<T>(item, negated, in_negated_list || negated, out, atom, error)) return false;
    return true;
  }
  if (text.front() == '$') {
    error = "variables such as '" + std::string(text) + "' are not supported; write the values";
    return false;
  }
  if (text == "any") {
    if (negated) {
      error = "'!any' matches nothing";
      return false;
    }
    // Inside a list, `any` must widen the union: push the universal values.
    for (const T& all : universal(T{})) out.include.push_back(all);
    return true;
  }
  T value;
  if (!atom(text, value, error)) return false;
  (negated ? out.exclude : out.include).push_back(value);
  return true;
}

}  // namespace

bool parse_address(std::string_view text, AddressMatch& out, std::string& error) {
  out = AddressMatch{};
  if (text == "any") return true;  // both lists empty
  return walk<Cidr>(text, false, false, out, parse_cidr, error);
}

bool parse_ports(std::string_view text, PortMatch& out, std::string& error) {
  out = PortMatch{};
  if (text == "any") return true;
  return walk<PortRange>(text, false, false, out, parse_port_atom, error);
}

}  // namespace vfpath::ids
