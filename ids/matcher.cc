#include "ids/matcher.h"

#include <hs/hs.h>

#include <algorithm>

#include "ids/content_verify.h"
#include "ids/header_match.h"

namespace vfpath::ids {

std::unique_ptr<Scratch> Scratch::create(const Database& db, uint32_t max_payload, std::string& error) {
  std::unique_ptr<Scratch> s(new Scratch());
  s->db_ = &db;
  if (db.hs() && hs_alloc_scratch(db.hs(), &s->hs_) != HS_SUCCESS) {
    error = "hs_alloc_scratch failed";
    return nullptr;
  }
  s->max_payload_ = max_payload;
  s->pattern_stamp_.assign(db.pattern_count(), 0);
  s->candidates_.assign(db.rules().size(), 0);
  const uint32_t words = max_payload / 64 + 1;
  s->memo_.assign(static_cast<size_t>(words) * kMaxContentsPerRule, 0);
  s->hits_ = std::make_unique<std::atomic<uint64_t>[]>(db.rules().size());
  s->rules_ = static_cast<uint32_t>(db.rules().size());
  return s;
}

std::unique_ptr<Scratch> Scratch::clone(std::string& error) const {
  std::unique_ptr<Scratch> s(new Scratch());
  if (hs_ && hs_clone_scratch(hs_, &s->hs_) != HS_SUCCESS) {
    error = "hs_clone_scratch failed";
    return nullptr;
  }
  s->db_ = db_;
  s->max_payload_ = max_payload_;
  s->pattern_stamp_.assign(pattern_stamp_.size(), 0);
  s->candidates_.assign(candidates_.size(), 0);
  s->memo_.assign(memo_.size(), 0);
  s->hits_ = std::make_unique<std::atomic<uint64_t>[]>(rules_);
  s->rules_ = rules_;
  return s;
}

Scratch::~Scratch() { hs_free_scratch(hs_); }

std::vector<uint64_t> Scratch::rule_hits() const {
  std::vector<uint64_t> out(rules_);
  for (uint32_t r = 0; r < rules_; ++r) out[r] = hits_[r].load(std::memory_order_relaxed);
  return out;
}

// Hyperscan callback: stamp the pattern, queue the rules it anchors. Each
// pattern is SINGLEMATCH, so each rule is queued at most once per scan.
int on_hyperscan_match(unsigned id, unsigned long long, unsigned long long, unsigned, void* ctx) {
  Scratch& s = *static_cast<Scratch*>(ctx);
  s.pattern_stamp_[id] = s.generation_;
  const uint32_t* begin = s.db_->anchored_rules() + s.db_->anchor_begin()[id];
  const uint32_t* end = s.db_->anchored_rules() + s.db_->anchor_begin()[id + 1];
  for (const uint32_t* r = begin; r != end; ++r) s.candidates_[s.n_candidates_++] = *r;
  return 0;  // continue
}

ScanStatus scan(const Database& db, Scratch& s, const PacketView& pkt, Mode mode, ScanResult& out) noexcept {
  out.verdict = Verdict::None;
  out.matched = out.count = 0;
  if (s.db_ != &db) return ScanStatus::ScratchMismatch;
  if (pkt.payload_len > s.max_payload_) return ScanStatus::PayloadTooLong;
  if (++s.generation_ == 0) {  // wrapped: forget every old stamp
    std::fill(s.pattern_stamp_.begin(), s.pattern_stamp_.end(), 0);
    s.generation_ = 1;
  }
  s.n_candidates_ = 0;
  if (db.hs() && pkt.payload_len > 0) {
    if (hs_scan(db.hs(), reinterpret_cast<const char*>(pkt.payload), pkt.payload_len, 0, s.hs_,
                on_hyperscan_match, &s) != HS_SUCCESS)
      return ScanStatus::HyperscanError;
  }
  // Header-only rules are candidates for every packet. candidates_ has room
  // for every rule, and a rule is either anchored or always, never both.
  for (uint32_t r : db.always_rules()) s.candidates_[s.n_candidates_++] = r;
  uint32_t* cand = s.candidates_.data();
  std::sort(cand, cand + s.n_candidates_);  // report in rule order

  VerifyMemo memo{s.memo_.data(), s.max_payload_ / 64 + 1};
  bool any_pass = false, any_drop = false;
  uint32_t kept = 0;  // verified matches compacted to the front of cand
  for (uint32_t i = 0; i < s.n_candidates_; ++i) {
    const uint32_t r = cand[i];
    const Rule& rule = db.rules()[r];
    const Database::RuleProgram& prog = db.programs()[r];
    if (prog.absolute && !pkt.stream_start) continue;
    if (!header_matches(rule, pkt)) continue;
    bool ok = true;
    for (uint32_t q = prog.required_begin; ok && q < prog.required_end; ++q)
      ok = s.pattern_stamp_[db.required_patterns()[q]] == s.generation_;
    if (ok && prog.verify_contents)
      ok = contents_match(rule.contents.data(), static_cast<uint32_t>(rule.contents.size()), pkt.payload,
                          pkt.payload_len, memo);
    if (!ok) continue;
    any_pass |= rule.action == Action::Pass;
    any_drop |= rule.action == Action::Drop;
    cand[kept++] = r;
  }
  for (uint32_t i = 0; i < kept; ++i) {
    const Rule& rule = db.rules()[cand[i]];
    if (any_pass && rule.action != Action::Pass) continue;
    std::atomic<uint64_t>& hits = s.hits_[cand[i]];
    hits.store(hits.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    if (out.count < kMaxReportedMatches) out.matches[out.count++] = Match{cand[i], rule.sid, rule.action};
    ++out.matched;
  }
  if (any_pass) out.verdict = Verdict::Pass;
  else if (any_drop) out.verdict = mode == Mode::Prevent ? Verdict::Drop : Verdict::Alert;
  else if (kept > 0) out.verdict = Verdict::Alert;
  return ScanStatus::Ok;
}

}  // namespace vfpath::ids
