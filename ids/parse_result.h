// What parsing (and compiling) a rule set returns: typed rules or errors,
// never both. A rule set with one bad rule is refused whole ("nothing
// partial"), so a push either applies every rule or none.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ids/rule.h"

namespace vfpath::ids {

struct RuleError {
  uint32_t line = 0;             // 1-based line where the rule starts
  std::optional<uint32_t> sid;   // when the rule's sid could be read
  std::string keyword;           // the option or header field at fault
  std::string message;           // what is wrong, in words a user can act on
};

// "line 12 (sid 1000001) 'pcre': backreferences are not supported"
std::string to_string(const RuleError& e);

struct ParseResult {
  std::vector<Rule> rules;        // empty whenever errors is not
  std::vector<RuleError> errors;
  bool ok() const { return errors.empty(); }
};

}  // namespace vfpath::ids
