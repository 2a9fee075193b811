// Structural validation shared by every classifier built from Rules.
#pragma once

#include <span>

#include "acl/result.h"
#include "acl/rule.h"

namespace acl {

// Ok if every rule has the given family, prefix lengths within the family's
// width and lo <= hi port ranges. The error names the 0-based rule index.
// Host bits past the prefix are NOT an error here: classifiers match on the
// masked value (callers that must reject them, like the NACL, check first).
Status check_rules(Family family, std::span<const Rule> rules);

}  // namespace acl
