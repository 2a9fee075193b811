// Parses a rule set text (Suricata/Snort rule language, the subset listed in
// ids/README.md) into typed rules. Control path only: allocates, never
// called per packet.
//
// One rule per line; a line ending in '\' continues on the next; blank lines
// and lines starting with '#' are skipped. Every rule must carry a sid unique
// in the set. Each bad rule yields one RuleError (its first fault); if there
// is any error, no rule is returned.
//
// pcre values are checked with Hyperscan (ids/pcre_check.h), so a rule set
// that parses also compiles, barring resource limits reported by compile().
#pragma once

#include <string_view>

#include "ids/parse_result.h"

namespace vfpath::ids {

ParseResult parse_rules(std::string_view text);

}  // namespace vfpath::ids
