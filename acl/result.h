// Error reporting for the acl library (control path only).
//
// Every fallible acl function returns Result<T>: either a value or an Error
// with a stable code and a message that names the offending rule, line or
// field. Nothing in acl/ throws for a user error; the fast path (classify)
// cannot fail at all.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace acl {

// Stable codes; append only (they may be used as metric labels / API codes).
enum class Errc : uint8_t {
  kInvalidArgument = 1,   // malformed rule field (prefix length, family)
  kBadCidr,               // text is not an IPv4/IPv6 address/prefix
  kHostBitsSet,           // CIDR has bits set past the prefix length
  kReversedPortRange,     // lo > hi
  kProtocolOutOfRange,    // not -1/all/tcp/udp/icmp/icmpv6 or 0..255
  kDuplicateRuleNumber,   // NACL: same number twice in one direction
  kRuleNumberOutOfRange,  // NACL: not in 1..32766
  kRuleLimitExceeded,     // NACL: more entries than the configured limit
  kTooManyRules,          // classifier: more rules than rte_acl can index
  kParse,                 // ClassBench / trace / expected file syntax
  kIo,                    // file cannot be opened or read
  kUnsupportedMethod,     // forced classify method not available here
  kDpdk,                  // rte_acl_create/add_rules/build failed
};

const char* errc_name(Errc code);

struct Error {
  Errc code;
  std::string message;
};

// Minimal expected<T, Error> (std::expected is C++23).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}           // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}       // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success or an Error.
struct Ok {};
using Status = Result<Ok>;

inline Error make_error(Errc code, std::string message) {
  return Error{code, std::move(message)};
}

}  // namespace acl
