#include "acl/classbench.h"

#include <arpa/inet.h>

#include <cctype>
#include <cstdio>
#include <cstring>

#include "acl/cidr.h"
#include "acl/line_reader.h"

namespace acl::classbench {
namespace {

std::vector<std::string_view> split_ws(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    size_t j = i;
    while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

bool skippable(std::string_view line) {
  for (char ch : line) {
    if (ch == '#') return true;
    if (!std::isspace(static_cast<unsigned char>(ch))) return false;
  }
  return true;
}

// strtoul(s, .., 0) semantics, but the whole token must be consumed.
bool parse_uint(std::string_view tok, uint64_t max, uint64_t* out) {
  if (tok.empty()) return false;
  unsigned base = 10;
  if (tok.size() > 2 && tok[0] == '0' && (tok[1] == 'x' || tok[1] == 'X')) {
    base = 16;
    tok.remove_prefix(2);
  } else if (tok.size() > 1 && tok[0] == '0') {
    base = 8;
    tok.remove_prefix(1);
  }
  uint64_t v = 0;
  for (char ch : tok) {
    unsigned d;
    if (ch >= '0' && ch <= '9') d = static_cast<unsigned>(ch - '0');
    else if (ch >= 'a' && ch <= 'f') d = static_cast<unsigned>(ch - 'a' + 10);
    else if (ch >= 'A' && ch <= 'F') d = static_cast<unsigned>(ch - 'A' + 10);
    else return false;
    if (d >= base) return false;
    v = v * base + d;
    if (v > max) return false;
  }
  *out = v;
  return true;
}

Error bad(std::string_view what, std::string_view tok) {
  return make_error(Errc::kParse, "bad " + std::string(what) + " '" + std::string(tok) + "'");
}

Status parse_range(std::string_view lo, std::string_view colon, std::string_view hi,
                   const char* what, PortRange* out) {
  uint64_t l = 0, h = 0;
  if (!parse_uint(lo, 65535, &l)) return bad(what, lo);
  if (colon != ":") return bad(std::string(what) + " separator (want ':')", colon);
  if (!parse_uint(hi, 65535, &h)) return bad(what, hi);
  if (l > h) {
    return make_error(Errc::kReversedPortRange, std::string(what) + " " + std::to_string(l) +
                                                    " : " + std::to_string(h) + " is reversed");
  }
  *out = PortRange{static_cast<uint16_t>(l), static_cast<uint16_t>(h)};
  return Ok{};
}

}  // namespace

Result<Rule> parse_rule(std::string_view line) {
  if (!line.empty() && line[0] == '@') line.remove_prefix(1);
  const auto tok = split_ws(line);
  // src dst lo : hi lo : hi proto/mask [flags/mask ...]
  if (tok.size() < 9) {
    return make_error(Errc::kParse, "rule has " + std::to_string(tok.size()) +
                                        " tokens, want at least 9");
  }
  Rule r;
  auto src = parse_cidr(tok[0], HostBits::kClear);
  if (!src) return make_error(Errc::kParse, "source: " + src.error().message);
  auto dst = parse_cidr(tok[1], HostBits::kClear);
  if (!dst) return make_error(Errc::kParse, "destination: " + dst.error().message);
  if (src.value().family != dst.value().family) {
    return make_error(Errc::kParse, "source and destination families differ");
  }
  r.family = src.value().family;
  r.src = src.value().addr;
  r.src_len = src.value().len;
  r.dst = dst.value().addr;
  r.dst_len = dst.value().len;
  if (auto st = parse_range(tok[2], tok[3], tok[4], "source port range", &r.sport); !st) {
    return st.error();
  }
  if (auto st = parse_range(tok[5], tok[6], tok[7], "destination port range", &r.dport); !st) {
    return st.error();
  }
  const std::string_view proto = tok[8];
  const size_t slash = proto.find('/');
  uint64_t v = 0, m = 0;
  if (slash == std::string_view::npos || !parse_uint(proto.substr(0, slash), 255, &v) ||
      !parse_uint(proto.substr(slash + 1), 255, &m)) {
    return bad("protocol value/mask", proto);
  }
  r.proto = static_cast<uint8_t>(v);
  r.proto_mask = static_cast<uint8_t>(m);
  return r;
}

Result<RuleFile> read_rules(const std::string& path) {
  auto reader = LineReader::open(path);
  if (!reader) return reader.error();
  LineReader& in = reader.value();
  RuleFile file;
  std::string line;
  while (in.next(&line)) {
    if (skippable(line)) continue;
    const std::string at = path + ":" + std::to_string(in.line_number()) + ": ";
    if (line[line.find_first_not_of(" \t")] != '@') {
      return make_error(Errc::kParse, at + "rule line does not start with '@'");
    }
    auto rule = parse_rule(std::string_view(line).substr(line.find('@') + 1));
    if (!rule) return make_error(rule.error().code, at + rule.error().message);
    if (file.rules.empty()) {
      file.family = rule.value().family;
    } else if (rule.value().family != file.family) {
      return make_error(Errc::kParse, at + "mixes IPv4 and IPv6 rules");
    }
    file.rules.push_back(rule.value());
    file.lines.push_back(in.line_number());
  }
  if (auto st = in.error(); !st) return st.error();
  return file;
}

Result<Trace> read_trace(const std::string& path, Family family) {
  auto reader = LineReader::open(path);
  if (!reader) return reader.error();
  LineReader& in = reader.value();
  Trace trace;
  trace.family = family;
  std::string line;
  while (in.next(&line)) {
    if (skippable(line)) continue;
    const std::string at = path + ":" + std::to_string(in.line_number()) + ": ";
    const auto tok = split_ws(line);
    if (tok.size() < 5) {
      return make_error(Errc::kParse, at + "header has " + std::to_string(tok.size()) +
                                          " columns, want at least 5");
    }
    uint64_t sport = 0, dport = 0, proto = 0;
    if (!parse_uint(tok[2], 65535, &sport)) return make_error(Errc::kParse, at + "bad source port");
    if (!parse_uint(tok[3], 65535, &dport)) {
      return make_error(Errc::kParse, at + "bad destination port");
    }
    if (!parse_uint(tok[4], 255, &proto)) return make_error(Errc::kParse, at + "bad protocol");
    if (family == Family::kIpv4) {
      uint64_t src = 0, dst = 0;
      if (!parse_uint(tok[0], 0xffffffff, &src) || !parse_uint(tok[1], 0xffffffff, &dst)) {
        return make_error(Errc::kParse, at + "bad IPv4 address (want a uint32)");
      }
      trace.v4.push_back(make_ipv4_key(static_cast<uint32_t>(src), static_cast<uint32_t>(dst),
                                       static_cast<uint16_t>(sport),
                                       static_cast<uint16_t>(dport), static_cast<uint8_t>(proto)));
    } else {
      auto src = parse_address(tok[0], Family::kIpv6);
      auto dst = parse_address(tok[1], Family::kIpv6);
      if (!src || !dst) return make_error(Errc::kParse, at + "bad IPv6 address");
      trace.v6.push_back(make_ipv6_key(src.value(), dst.value(), static_cast<uint16_t>(sport),
                                       static_cast<uint16_t>(dport),
                                       static_cast<uint8_t>(proto)));
    }
    trace.lines.push_back(in.line_number());
  }
  if (auto st = in.error(); !st) return st.error();
  return trace;
}

Result<std::vector<int64_t>> read_expected(const std::string& path) {
  auto reader = LineReader::open(path);
  if (!reader) return reader.error();
  LineReader& in = reader.value();
  std::vector<int64_t> out;
  std::string line;
  while (in.next(&line)) {
    const auto tok = split_ws(line);
    if (tok.empty()) continue;
    uint64_t v = 0;
    if (tok[0] == "-1") {
      out.push_back(-1);
    } else if (parse_uint(tok[0], 0xffffffff, &v)) {
      out.push_back(static_cast<int64_t>(v));
    } else {
      return make_error(Errc::kParse, path + ":" + std::to_string(in.line_number()) +
                                          ": bad rule index '" + std::string(tok[0]) + "'");
    }
  }
  if (auto st = in.error(); !st) return st.error();
  return out;
}

std::string format_rule(const Rule& r) {
  char ports[64];
  std::snprintf(ports, sizeof(ports), " %u : %u %u : %u 0x%02x/0x%02x", r.sport.lo, r.sport.hi,
                r.dport.lo, r.dport.hi, r.proto, r.proto_mask);
  return to_string(Cidr{r.family, mask_address(r.src, r.src_len), r.src_len}) + " " +
         to_string(Cidr{r.family, mask_address(r.dst, r.dst_len), r.dst_len}) + ports;
}

std::string format_key(Family family, const uint8_t* key) {
  Address src, dst;
  uint16_t sport, dport;
  uint8_t proto;
  if (family == Family::kIpv4) {
    Ipv4Key k;
    std::memcpy(&k, key, sizeof(k));
    std::memcpy(src.bytes.data(), &k.src, 4);
    std::memcpy(dst.bytes.data(), &k.dst, 4);
    sport = ntohs(k.sport);
    dport = ntohs(k.dport);
    proto = k.proto;
  } else {
    Ipv6Key k;
    std::memcpy(&k, key, sizeof(k));
    std::memcpy(src.bytes.data(), k.src, 16);
    std::memcpy(dst.bytes.data(), k.dst, 16);
    sport = ntohs(k.sport);
    dport = ntohs(k.dport);
    proto = k.proto;
  }
  return "src=" + format_address(family, src) + " dst=" + format_address(family, dst) +
         " sport=" + std::to_string(sport) + " dport=" + std::to_string(dport) +
         " proto=" + std::to_string(proto);
}

}  // namespace acl::classbench
