// From rule set text to a Database, through an on-disk cache of compiled
// Hyperscan databases so that a restart (or re-pushing an unchanged rule set)
// does not recompile. Control path only.
//
// Cache entry: <dir>/<sha256 of the key>.hsdb, holding a header line with the
// full key, then hs_serialize_database bytes. The key is
//   rules=<sha256 of the text> plan=<Database::plan_digest()>
//   hs=<hs_version()> platform=<tune>/<cpu_features from hs_populate_platform>
// so a database is only reused by the same rules, the same pattern plan
// (changes in this compiler change it), the same Hyperscan build and the same
// CPU features. An entry whose header key differs from the expected one, or
// that Hyperscan refuses, is ignored and rewritten. Entries are written to a
// temporary file and renamed, so a crash leaves no torn entry.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ids/database.h"
#include "ids/parse_result.h"

namespace vfpath::ids {

struct LoadOptions {
  std::string cache_dir;  // empty: no cache
};

struct LoadResult {
  std::unique_ptr<Database> db;   // null when errors is not empty
  std::vector<RuleError> errors;  // parse or compile refusals
  bool from_cache = false;        // the Hyperscan database came from the cache
  double compile_seconds = 0;     // time in hs_compile (0 when from the cache)
  std::string cache_note;         // why the cache was not used or not written, if so
};

LoadResult load_ruleset(std::string_view text, const LoadOptions& options);

// The key described above, for rules parsed from `text`, on this machine.
std::string cache_key(std::string_view text, const std::vector<Rule>& rules);
// The file the key is stored in, inside `dir`.
std::string cache_path(const std::string& dir, const std::string& key);

}  // namespace vfpath::ids
