// A compiled rule set: the typed rules, one Hyperscan block-mode database
// holding every payload pattern of every rule, and the tables that map a
// Hyperscan hit back to rules. Built on the control thread, then immutable:
// any number of workers may scan with it at once (each with its own Scratch).
//
// Prefilter + verify (ids/README.md explains the choice):
//  * Each rule with contents has ONE anchor pattern in Hyperscan: its longest
//    content (ties: a case-sensitive one, then the first), as a literal
//    (HS_FLAG_CASELESS for nocase). If that content is absolute, its
//    offset/depth become Hyperscan's min_offset/max_offset on the match end,
//    so the anchor already honours them.
//  * Each pcre is its own Hyperscan pattern, matched exactly by Hyperscan.
//    A rule without contents is anchored by its first pcre.
//  * Every pattern is HS_FLAG_SINGLEMATCH: all we need from Hyperscan is
//    "fired in this payload"; identical patterns are shared between rules.
//  * After the scan, each rule whose anchor fired is verified exactly:
//    header predicates, then (unless the anchor alone is exact) the full
//    content chain by ids/content_verify.h, and "every other pcre fired".
//  * Rules with neither content nor pcre are checked on every packet.
// HS_FLAG_SOM_LEFTMOST is not used: the verifier needs every occurrence of
// every content for backtracking, not the leftmost start of the anchor, and
// SOM would cost Hyperscan speed and refuse some pcres.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ids/parse_result.h"
#include "ids/rule.h"

struct hs_database;

namespace vfpath::ids {

class Database {
 public:
  // What a rule needs checked after its anchor fired (or on every packet).
  struct RuleProgram {
    uint32_t required_begin = 0, required_end = 0;  // into required_patterns()
    bool verify_contents = false;  // false when the anchor alone decides the contents
    bool absolute = false;         // a content has offset/depth: only where the buffer starts the stream
  };

  // Compiles `rules` (from parse_rules). On failure returns nullptr and fills
  // `errors` (a Hyperscan refusal is mapped back to the rule's line and sid).
  // Control path; may take seconds for 10K rules.
  static std::unique_ptr<Database> compile(std::vector<Rule> rules, std::vector<RuleError>& errors);

  // Rebuilds from a database serialized by serialize() for the same rules
  // (same plan_digest()); nullptr with `error` when Hyperscan refuses it
  // (other version or platform, corrupt bytes).
  static std::unique_ptr<Database> deserialize(std::vector<Rule> rules, std::string_view bytes,
                                               std::string& error);

  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  bool serialize(std::string& out, std::string& error) const;

  // SHA-256 of the Hyperscan pattern list (expressions, flags, ids, bounds):
  // two rule sets with the same digest need the same Hyperscan database.
  const std::string& plan_digest() const { return plan_digest_; }
  // The same digest computed from rules alone, without compiling (cheap).
  static std::string plan_digest_of(const std::vector<Rule>& rules);

  const std::vector<Rule>& rules() const { return rules_; }
  // How many bytes before a TCP segment's new ones a stream window needs so
  // that every rule's match fits in it: the longest bounded match - 1 (a
  // content's length; a chain with distance/within; an absolute content's
  // offset + depth), kStreamCarry (256, ids/stream.h) when a rule's match is
  // unbounded (a pcre, an independent second content, a relative content
  // without within). 0 for header-only rule sets.
  uint32_t stream_carry() const { return stream_carry_; }
  uint32_t pattern_count() const { return static_cast<uint32_t>(anchor_begin_.size() - 1); }
  size_t hs_bytes() const;  // hs_database_size, 0 when there is no payload pattern

  // For the matcher.
  const hs_database* hs() const { return hs_; }
  const std::vector<RuleProgram>& programs() const { return programs_; }
  // Rules anchored by pattern p: anchored_rules()[anchor_begin(p) .. anchor_begin(p+1)).
  const uint32_t* anchor_begin() const { return anchor_begin_.data(); }
  const uint32_t* anchored_rules() const { return anchored_rules_.data(); }
  const uint32_t* required_patterns() const { return required_.data(); }
  const std::vector<uint32_t>& always_rules() const { return always_; }

  // The Hyperscan pattern list, for tests and the README ("what becomes one
  // Hyperscan pattern").
  struct Pattern {
    std::string expr;
    unsigned flags = 0;
    unsigned long long min_offset = 0, max_offset = 0;  // 0 = unbounded
    uint32_t first_rule = 0;  // a rule using it, for error messages
    bool is_pcre = false;
  };
  const std::vector<Pattern>& patterns() const { return patterns_; }

 private:
  Database() = default;
  static std::unique_ptr<Database> plan(std::vector<Rule> rules);

  std::vector<Rule> rules_;
  std::vector<Pattern> patterns_;
  std::vector<RuleProgram> programs_;
  std::vector<uint32_t> anchor_begin_{0};
  std::vector<uint32_t> anchored_rules_;
  std::vector<uint32_t> required_;
  std::vector<uint32_t> always_;
  std::string plan_digest_;
  uint32_t stream_carry_ = 0;
  hs_database* hs_ = nullptr;
};

// The literal `bytes` as a Hyperscan expression (every byte as \xHH).
std::string literal_expression(std::string_view bytes);

}  // namespace vfpath::ids
