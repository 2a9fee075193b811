#include "control/ids_config.h"

#include <atomic>
#include <chrono>
#include <set>

#include "control/compile.h"
#include "ids/rule_parser.h"
#include "ids/ruleset_loader.h"
#include "ids/sha256.h"
#include "ids/stream.h"

namespace vfpath::control {
void build_ids_rulesets(const config::v1::Config& c, Model& model, std::map<std::string, uint16_t>& index,
                        std::vector<ConfigError>& errors) {
  if (c.ids_rulesets_size() > static_cast<int>(kMaxIdsRulesets))
    errors.push_back({"ids_rulesets", "at most " + std::to_string(kMaxIdsRulesets) + " rule sets"});
  for (int i = 0; i < c.ids_rulesets_size(); ++i) {
    const auto& r = c.ids_rulesets(i);
    const std::string path = "ids_rulesets[" + std::to_string(i) + "]";
    if (r.id().empty() || r.id().size() > kMaxIdsRulesetIdBytes) {
      errors.push_back({path + ".id", r.id().empty() ? "is empty"
                                                     : quoted(r.id()) + " is longer than " +
                                                           std::to_string(kMaxIdsRulesetIdBytes) + " bytes"});
      continue;
    }
    if (index.count(r.id())) {  // (a refused one too: the id is still taken)
      errors.push_back({path + ".id", quoted(r.id()) + " is used by another rule set"});
      continue;
    }
    if (!r.rules_file().empty()) {  // load_config_file reads it into `rules`
      errors.push_back({path + ".rules_file", "is read only from the start-up configuration file; push the rules as `rules`"});
      continue;
    }
    if (r.rules().size() > kMaxIdsRulesetBytes) {
      errors.push_back({path + ".rules", std::to_string(r.rules().size()) + " bytes: at most " +
                                             std::to_string(kMaxIdsRulesetBytes) + " per rule set"});
      continue;
    }
    ids::ParseResult parsed = ids::parse_rules(r.rules());
    for (const ids::RuleError& e : parsed.errors) errors.push_back({path + ".rules", ids::to_string(e)});
    if (parsed.ok() && parsed.rules.size() > kMaxIdsRules)
      errors.push_back({path + ".rules", std::to_string(parsed.rules.size()) + " rules: at most " +
                                             std::to_string(kMaxIdsRules) + " per rule set"});
    if (!parsed.ok() || parsed.rules.size() > kMaxIdsRules) {
      index.emplace(r.id(), kNoIdsIndex);  // refused: ENIs naming it are not reported again
      continue;
    }
    index.emplace(r.id(), static_cast<uint16_t>(model.ids_rulesets.size()));
    model.ids_rulesets.push_back(IdsRulesetModel{r.id(), r.rules(), ids::sha256_hex(r.rules())});
  }
}

void build_eni_ids(const config::v1::Eni& e, const std::string& path, const std::map<std::string, uint16_t>& index,
                   EniModel& model, std::vector<ConfigError>& errors) {
  if (!e.has_ids()) return;
  const auto& ids = e.ids();
  if (ids.ruleset().empty()) {
    if (ids.mode() != config::v1::DETECT)
      errors.push_back({path + ".ids.ruleset", "is empty: a mode needs a rule set"});
    return;
  }
  auto it = index.find(ids.ruleset());
  if (it == index.end()) {
    errors.push_back({path + ".ids.ruleset", quoted(ids.ruleset()) + " is not a configured IDS rule set"});
    return;
  }
  if (it->second == kNoIdsIndex) return;  // the rule set's own problems say it
  if (ids.mode() != config::v1::DETECT && ids.mode() != config::v1::PREVENT) {
    errors.push_back({path + ".ids.mode", std::to_string(ids.mode()) + " is not DETECT or PREVENT"});
    return;
  }
  model.ids_ruleset = it->second;
  model.ids_prevent = ids.mode() == config::v1::PREVENT;
}

IdsRuleset compile_ids_ruleset(const IdsRulesetModel& m, const IdsCompileSettings& settings) {
  const auto t0 = std::chrono::steady_clock::now();
  ids::LoadResult loaded = ids::load_ruleset(m.text, ids::LoadOptions{settings.cache_dir});
  if (!loaded.db) {
    std::string what = "ids rule set " + quoted(m.id) + ": ";
    what += loaded.errors.empty() ? "cannot be compiled" : ids::to_string(loaded.errors.front());
    throw CompileError(what);
  }
  IdsRuleset rs;
  rs.id = m.id;
  rs.digest = m.digest;
  static std::atomic<uint32_t> serials{0};
  rs.serial = ++serials;
  rs.from_cache = loaded.from_cache;
  std::string error;
  auto first = ids::Scratch::create(*loaded.db, ids::kStreamWindowBytes, error);
  if (!first) throw CompileError("ids rule set " + quoted(m.id) + ": " + error);
  rs.scratch.push_back(std::move(first));
  for (uint32_t w = 1; w < std::max<uint32_t>(1, settings.workers) + 1; ++w) {  // + the control thread's
    auto copy = rs.scratch.front()->clone(error);
    if (!copy) throw CompileError("ids rule set " + quoted(m.id) + ": " + error);
    rs.scratch.push_back(std::move(copy));
  }
  rs.db = std::move(loaded.db);
  rs.compile_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rs;
}

}  // namespace vfpath::control
