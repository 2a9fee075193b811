// A compiled IDS rule set as the workers use it: the database and one
// scratch per worker. Built on the control thread (control/ids_rulesets.h)
// and shared by every snapshot whose configuration has the same rule text,
// so an unchanged rule set keeps its scratch, and with it its per-rule hit
// counters, across pushes. Workers touch only scratch[their index].
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ids/database.h"
#include "ids/matcher.h"

namespace vfpath {

inline constexpr uint16_t kNoIdsRuleset = 0xffff;

struct IdsRuleset {
  std::string id;      // as configured (ids_rulesets[].id)
  std::string digest;  // SHA-256 of the rule text
  std::unique_ptr<ids::Database> db;
  // [worker], then one more for the control thread (Explain runs the
  // pipeline there): a scratch is never used by two threads at once.
  std::vector<std::unique_ptr<ids::Scratch>> scratch;
  uint32_t serial = 0;  // unique per compiled rule set: streams compare it, never a pointer (reused)
  bool from_cache = false;      // the Hyperscan database was loaded, not compiled
  double compile_seconds = 0;   // parse + compile (or load) on the control thread
};

// What the IDS stage reads per ENI (Snapshot::eni_ids).
struct EniIds {
  uint16_t ruleset = kNoIdsRuleset;  // index into Snapshot::ids_rulesets
  ids::Mode mode = ids::Mode::Detect;
  uint8_t reserved = 0;
};
static_assert(sizeof(EniIds) == 4);

}  // namespace vfpath
