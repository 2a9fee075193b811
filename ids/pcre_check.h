// The pcre keyword: split "/expr/flags", map the flags onto Hyperscan's, and
// refuse what Hyperscan cannot compile (backreferences, lookbehind, \C, ...)
// by asking Hyperscan itself (hs_expression_info), so the refusal matches
// what the compiler would do and carries its reason.
// Control path only (allocates).
#pragma once

#include <string>
#include <string_view>

#include "ids/rule.h"

namespace vfpath::ids {

// `value` is the option value with its quotes removed: "/expr/flags".
// Returns true and fills `out`, or false with `error` set.
// Accepted flags: i (caseless), s (dotall), m (multiline). Suricata's buffer
// and relative modifiers (R, U, P, H, B, O, ...) and x/A/E/G are refused.
// A pattern that can match the empty string is refused: it would match every
// packet, which is never what the rule meant.
bool parse_pcre(std::string_view value, Pcre& out, std::string& error);

}  // namespace vfpath::ids
