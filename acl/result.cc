#include "acl/result.h"

namespace acl {

const char* errc_name(Errc code) {
  switch (code) {
    case Errc::kInvalidArgument: return "invalid_argument";
    case Errc::kBadCidr: return "bad_cidr";
    case Errc::kHostBitsSet: return "host_bits_set";
    case Errc::kReversedPortRange: return "reversed_port_range";
    case Errc::kProtocolOutOfRange: return "protocol_out_of_range";
    case Errc::kDuplicateRuleNumber: return "duplicate_rule_number";
    case Errc::kRuleNumberOutOfRange: return "rule_number_out_of_range";
    case Errc::kRuleLimitExceeded: return "rule_limit_exceeded";
    case Errc::kTooManyRules: return "too_many_rules";
    case Errc::kParse: return "parse";
    case Errc::kIo: return "io";
    case Errc::kUnsupportedMethod: return "unsupported_method";
    case Errc::kDpdk: return "dpdk";
  }
  return "unknown";
}

}  // namespace acl
