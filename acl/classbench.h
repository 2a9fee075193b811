// ClassBench filter / trace / .expected files, and DPDK test-acl's dialect
// of them (see /work/shared/data/classbench/README.md). Plain or .gz.
//
// Rule line:  @src/len dst/len sp_lo : sp_hi dp_lo : dp_hi proto/mask [flags/mask]
//   Priority = order of '@' lines. The flags dimension is ignored. '#' and
//   blank lines are skipped. Numbers follow strtoul(..., 0): "0x" hex,
//   leading "0" octal, else decimal. IPv6 addresses (DPDK dialect) are
//   textual. Host bits past the prefix are cleared (DPDK's own samples have
//   them). A file holds one family.
// Trace line: src dst sport dport proto [...]; only the first 5 columns are
//   read. IPv4 addresses are host-order integers, IPv6 ones textual.
// .expected: one integer per trace line, the 0-based first-match rule or -1.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "acl/keys.h"
#include "acl/result.h"
#include "acl/rule.h"

namespace acl::classbench {

struct RuleFile {
  Family family = Family::kIpv4;
  std::vector<Rule> rules;
  std::vector<size_t> lines;  // 1-based source line of rules[i]
};

struct Trace {
  Family family = Family::kIpv4;
  std::vector<Ipv4Key> v4;    // filled when family == kIpv4
  std::vector<Ipv6Key> v6;    // filled when family == kIpv6
  std::vector<size_t> lines;  // 1-based source line of header i
  size_t size() const { return lines.size(); }
  const uint8_t* key(size_t i) const {
    return family == Family::kIpv4 ? reinterpret_cast<const uint8_t*>(&v4[i])
                                   : reinterpret_cast<const uint8_t*>(&v6[i]);
  }
};

// One rule line (with or without the leading '@'). Errc::kParse names the
// token that is wrong.
Result<Rule> parse_rule(std::string_view line);
Result<RuleFile> read_rules(const std::string& path);
Result<Trace> read_trace(const std::string& path, Family family);
Result<std::vector<int64_t>> read_expected(const std::string& path);

// "10.0.0.0/8 0.0.0.0/0 0 : 65535 53 : 53 0x11/0xff" (canonical addresses).
std::string format_rule(const Rule& rule);
// "src=10.0.0.1 dst=192.168.0.1 sport=1024 dport=53 proto=17".
std::string format_key(Family family, const uint8_t* key);

}  // namespace acl::classbench
