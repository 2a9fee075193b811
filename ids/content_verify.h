// Exact evaluation of a rule's content list on one payload, with the
// semantics written in ids/rule.h (every content satisfied, relative ones
// against some match of the previous content, backtracking over all
// occurrences).
//
// Cost bound: the result of "contents k.. of a chain, given the previous match
// ended at e" depends only on (k, e), so failures are memoised in a bitmap per
// level; a chain of n contents over a payload of L bytes costs at most
// O(n * L * occurrences) instead of O(L^n). Fast path: no allocation; the
// memo is preallocated by the caller (ids::Scratch).
#pragma once

#include <cstdint>

#include "ids/rule.h"

namespace vfpath::ids {

inline constexpr uint32_t kMaxContentsPerRule = 16;  // the parser refuses more

// Bitmaps for the memo: (kMaxContentsPerRule) levels of (max_len + 1) bits.
struct VerifyMemo {
  uint64_t* bits = nullptr;
  uint32_t words_per_level = 0;  // (max_len + 1 + 63) / 64
};

bool contents_match(const Content* contents, uint32_t n, const uint8_t* payload, uint32_t len,
                    VerifyMemo& memo) noexcept;

// First start s >= from with s + needle_len <= end_limit where the needle
// occurs (ASCII-caseless when nocase), or -1. Exposed for tests.
int64_t find_content(const uint8_t* p, uint32_t end_limit, uint32_t from, const Content& c) noexcept;

}  // namespace vfpath::ids
