// libFuzzer target: any text as a Suricata rule set, through the rule
// parser; a set it accepts (up to 16 rules) is compiled into a Hyperscan
// database and scanned over the input's own bytes (the matcher's verifier
// with its memo, every header predicate). Parsing must refuse with errors,
// never crash or accept a set the compiler then refuses in a way it did
// not report. Built with ASan and UBSan (tests/fuzz/build_targets.sh).
#include <cstdint>
#include <string>
#include <string_view>

#include "ids/database.h"
#include "ids/matcher.h"
#include "ids/rule_parser.h"

using namespace vfpath::ids;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 8192) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ParseResult parsed = parse_rules(text);
  if (!parsed.ok()) {
    for (const RuleError& e : parsed.errors)
      if (e.line == 0 || e.message.empty()) __builtin_trap();  // every refusal says where and why
    return 0;
  }
  if (parsed.rules.empty() || parsed.rules.size() > 16) return 0;
  std::vector<RuleError> errors;
  auto db = Database::compile(std::move(parsed.rules), errors);
  if (!db) {
    if (errors.empty()) __builtin_trap();
    return 0;
  }
  std::string error;
  auto scratch = Scratch::create(*db, 8192, error);
  if (!scratch) return 0;
  static const uint8_t a[4] = {10, 0, 1, 10}, b[4] = {10, 0, 2, 10};
  for (uint8_t proto : {kIpProtoTcp, kIpProtoUdp, kIpProtoIcmp}) {
    PacketView v{.ip_proto = proto, .tcp_flags = static_cast<uint8_t>(size), .to_server = (size & 1) != 0,
                 .established = (size & 2) != 0, .sport = 40000, .dport = 80, .src = a, .dst = b,
                 .payload = data, .payload_len = static_cast<uint32_t>(size),
                 .stream_start = (size & 4) != 0};
    ScanResult r;
    if (scan(*db, *scratch, v, Mode::Prevent, r) != ScanStatus::Ok) __builtin_trap();
    if (r.count > kMaxReportedMatches || r.count > r.matched) __builtin_trap();
  }
  return 0;
}
