// IDS rule sets and ENIs' IDS settings of a configuration: checked while the
// model is built (every rule parsed, each refusal with its line, sid and
// keyword), compiled into the snapshot's rule sets (one Hyperscan database
// per distinct rule text, reused while the text stays the same, loaded from
// the on-disk cache when a restart meets a database it built before).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "control/model.h"
#include "control/validate.h"
#include "control/vfpath.pb.h"
#include "dataplane/ids_ruleset.h"

namespace vfpath::control {

inline constexpr size_t kMaxIdsRulesets = 64;
// Per rule set, as pushed; a whole push is also bounded by the control
// API's request limit (16 MiB, grpc_service.h).
inline constexpr size_t kMaxIdsRulesetBytes = 8u << 20;
inline constexpr size_t kMaxIdsRulesetIdBytes = 31;  // it is in every alert record
inline constexpr size_t kMaxIdsRules = 50000;             // per rule set

// Fills model.ids_rulesets; `index` maps their ids to positions.
void build_ids_rulesets(const config::v1::Config& c, Model& model, std::map<std::string, uint16_t>& index,
                        std::vector<ConfigError>& errors);
// An ENI's `ids` block (path = "enis[i]").
void build_eni_ids(const config::v1::Eni& e, const std::string& path, const std::map<std::string, uint16_t>& index,
                   EniModel& model, std::vector<ConfigError>& errors);

// How the config store compiles rule sets: for `workers` workers, through
// the cache directory (empty: no on-disk cache).
struct IdsCompileSettings {
  uint32_t workers = 1;
  std::string cache_dir;
};

// Compiles one rule set (control thread). Throws CompileError when Hyperscan
// refuses what the parser accepted, or scratch cannot be allocated.
IdsRuleset compile_ids_ruleset(const IdsRulesetModel& m, const IdsCompileSettings& settings);

}  // namespace vfpath::control
