#include "ids/database.h"

#include "ids/stream.h"

#include <hs/hs.h>

#include <map>
#include <tuple>

#include "ids/sha256.h"

namespace vfpath::ids {

std::string literal_expression(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string e;
  e.reserve(bytes.size() * 4);
  for (unsigned char c : bytes) {
    e += "\\x";
    e += kHex[c >> 4];
    e += kHex[c & 15];
  }
  return e;
}

namespace {

// The content a rule is anchored by: longest, then case-sensitive, then first.
uint32_t pick_anchor(const std::vector<Content>& cs) {
  uint32_t best = 0;
  for (uint32_t i = 1; i < cs.size(); ++i) {
    const Content& a = cs[i];
    const Content& b = cs[best];
    if (a.bytes.size() > b.bytes.size() || (a.bytes.size() == b.bytes.size() && b.nocase && !a.nocase))
      best = i;
  }
  return best;
}

}  // namespace

// The window a rule needs before a segment's new bytes (Database::stream_carry).
static uint32_t carry_needed(const Rule& rule) {
  constexpr uint64_t kUnbounded = kStreamCarry;
  if (!rule.pcres.empty()) return kUnbounded;
  if (rule.contents.empty()) return 0;
  uint64_t span = 0;  // an upper bound on the bytes from the match's first to its last
  for (size_t k = 0; k < rule.contents.size(); ++k) {
    const Content& c = rule.contents[k];
    if (c.absolute()) {
      if (!c.depth) return kUnbounded;
      span = std::max<uint64_t>(span, uint64_t{c.offset.value_or(0)} + *c.depth);  // from the stream's start
    } else if (k == 0) {
      span = c.bytes.size();
    } else if (!c.relative() || !c.within) {
      return kUnbounded;  // anywhere after (or apart from) the one before
    } else {
      const int64_t d = c.distance.value_or(0);
      span += static_cast<uint64_t>(d < 0 ? -d : d) + *c.within;
    }
  }
  return static_cast<uint32_t>(std::min<uint64_t>(kUnbounded, span > 0 ? span - 1 : 0));
}

std::unique_ptr<Database> Database::plan(std::vector<Rule> rules) {
  std::unique_ptr<Database> db(new Database());
  db->rules_ = std::move(rules);
  using Key = std::tuple<std::string, unsigned, unsigned long long, unsigned long long>;
  std::map<Key, uint32_t> index;
  std::vector<std::vector<uint32_t>> anchored;  // per pattern
  auto intern = [&](Pattern p) {
    Key k{p.expr, p.flags, p.min_offset, p.max_offset};
    auto [it, fresh] = index.emplace(k, static_cast<uint32_t>(db->patterns_.size()));
    if (fresh) {
      db->patterns_.push_back(std::move(p));
      anchored.emplace_back();
    }
    return it->second;
  };
  db->programs_.resize(db->rules_.size());
  for (uint32_t r = 0; r < db->rules_.size(); ++r) {
    const Rule& rule = db->rules_[r];
    RuleProgram& prog = db->programs_[r];
    prog.required_begin = static_cast<uint32_t>(db->required_.size());
    for (const Content& c : rule.contents) prog.absolute |= c.absolute();
    std::vector<uint32_t> pcre_ids;
    for (const Pcre& pc : rule.pcres)
      pcre_ids.push_back(intern(Pattern{.expr = pc.expr,
                                        .flags = pc.hs_flags | HS_FLAG_SINGLEMATCH,
                                        .first_rule = r,
                                        .is_pcre = true}));
    if (!rule.contents.empty()) {
      const Content& c = rule.contents[pick_anchor(rule.contents)];
      Pattern p{.expr = literal_expression(c.bytes),
                .flags = HS_FLAG_SINGLEMATCH | (c.nocase ? HS_FLAG_CASELESS : 0u),
                .first_rule = r};
      if (c.absolute()) {
        p.min_offset = c.offset.value_or(0) + c.bytes.size();
        if (c.depth) p.max_offset = c.offset.value_or(0) + *c.depth;
        if (p.min_offset == c.bytes.size()) p.min_offset = 0;  // no constraint
      }
      anchored[intern(std::move(p))].push_back(r);
      prog.verify_contents = rule.contents.size() > 1 || rule.contents[0].relative();
      db->required_.insert(db->required_.end(), pcre_ids.begin(), pcre_ids.end());
    } else if (!pcre_ids.empty()) {
      anchored[pcre_ids[0]].push_back(r);
      db->required_.insert(db->required_.end(), pcre_ids.begin() + 1, pcre_ids.end());
    } else {
      db->always_.push_back(r);
    }
    prog.required_end = static_cast<uint32_t>(db->required_.size());
  }
  std::string digest_input;
  for (uint32_t p = 0; p < db->patterns_.size(); ++p) {
    db->anchored_rules_.insert(db->anchored_rules_.end(), anchored[p].begin(), anchored[p].end());
    db->anchor_begin_.push_back(static_cast<uint32_t>(db->anchored_rules_.size()));
    const Pattern& pt = db->patterns_[p];
    digest_input += std::to_string(pt.expr.size()) + ":" + pt.expr + "/" + std::to_string(pt.flags) + "/" +
                    std::to_string(pt.min_offset) + "/" + std::to_string(pt.max_offset) + "\n";
  }
  db->plan_digest_ = sha256_hex(digest_input);
  for (const Rule& r : db->rules_) db->stream_carry_ = std::max(db->stream_carry_, carry_needed(r));
  return db;
}

std::string Database::plan_digest_of(const std::vector<Rule>& rules) { return plan(rules)->plan_digest_; }

std::unique_ptr<Database> Database::compile(std::vector<Rule> rules, std::vector<RuleError>& errors) {
  std::unique_ptr<Database> db = plan(std::move(rules));
  const size_t n = db->patterns_.size();
  if (n == 0) return db;  // header-only rules: nothing for Hyperscan
  std::vector<const char*> exprs(n);
  std::vector<unsigned> flags(n), ids(n);
  std::vector<hs_expr_ext_t> ext(n);
  std::vector<const hs_expr_ext_t*> ext_ptr(n);
  for (size_t i = 0; i < n; ++i) {
    const Pattern& p = db->patterns_[i];
    exprs[i] = p.expr.c_str();
    flags[i] = p.flags;
    ids[i] = static_cast<unsigned>(i);
    ext[i] = hs_expr_ext_t{};
    if (p.min_offset) { ext[i].flags |= HS_EXT_FLAG_MIN_OFFSET; ext[i].min_offset = p.min_offset; }
    if (p.max_offset) { ext[i].flags |= HS_EXT_FLAG_MAX_OFFSET; ext[i].max_offset = p.max_offset; }
    ext_ptr[i] = ext[i].flags ? &ext[i] : nullptr;
  }
  hs_compile_error_t* err = nullptr;
  if (hs_compile_ext_multi(exprs.data(), flags.data(), ids.data(), ext_ptr.data(), static_cast<unsigned>(n),
                           HS_MODE_BLOCK, nullptr, &db->hs_, &err) != HS_SUCCESS) {
    RuleError e;
    e.message = std::string("Hyperscan: ") + (err && err->message ? err->message : "compile failed");
    if (err && err->expression >= 0 && static_cast<size_t>(err->expression) < n) {
      const Pattern& p = db->patterns_[err->expression];
      const Rule& r = db->rules_[p.first_rule];
      e.line = r.line;
      e.sid = r.sid;
      e.keyword = p.is_pcre ? "pcre" : "content";
    }
    hs_free_compile_error(err);
    errors.push_back(std::move(e));
    return nullptr;
  }
  return db;
}

std::unique_ptr<Database> Database::deserialize(std::vector<Rule> rules, std::string_view bytes,
                                                std::string& error) {
  std::unique_ptr<Database> db = plan(std::move(rules));
  if (db->patterns_.empty()) {
    if (!bytes.empty()) { error = "cached database for a rule set without patterns"; return nullptr; }
    return db;
  }
  if (hs_deserialize_database(bytes.data(), bytes.size(), &db->hs_) != HS_SUCCESS) {
    error = "Hyperscan refused the serialized database";
    db->hs_ = nullptr;
    return nullptr;
  }
  return db;
}

bool Database::serialize(std::string& out, std::string& error) const {
  out.clear();
  if (!hs_) return true;
  char* bytes = nullptr;
  size_t len = 0;
  if (hs_serialize_database(hs_, &bytes, &len) != HS_SUCCESS) {
    error = "hs_serialize_database failed";
    return false;
  }
  out.assign(bytes, len);
  free(bytes);  // hs's default allocator
  return true;
}

size_t Database::hs_bytes() const {
  size_t n = 0;
  if (hs_) hs_database_size(hs_, &n);
  return n;
}

Database::~Database() { hs_free_database(hs_); }

}  // namespace vfpath::ids
