#include "ids/content_verify.h"

#include <algorithm>
#include <cstring>

namespace vfpath::ids {
namespace {

inline uint8_t fold(uint8_t c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

// Window of admissible starts and the limit on ends for content c, given the
// end of the previous match (only used when c is relative).
struct Window {
  int64_t from, end_limit;  // start >= from, start + len <= end_limit
};

inline Window window(const Content& c, int64_t prev_end, uint32_t len) {
  Window w{0, len};
  if (c.relative()) {
    const int64_t base = prev_end + c.distance.value_or(0);
    w.from = std::max<int64_t>(0, base);
    if (c.within) w.end_limit = std::min<int64_t>(len, base + *c.within);
  } else {
    w.from = c.offset.value_or(0);
    if (c.depth) w.end_limit = std::min<int64_t>(len, w.from + *c.depth);
  }
  return w;
}

struct Chain {
  const Content* c;
  uint32_t n;
  const uint8_t* p;
  uint32_t len;
  VerifyMemo& memo;

  bool failed(uint32_t level, uint32_t end) const {
    return (memo.bits[level * memo.words_per_level + end / 64] >> (end % 64)) & 1;
  }
  void set_failed(uint32_t level, uint32_t end) {
    memo.bits[level * memo.words_per_level + end / 64] |= uint64_t{1} << (end % 64);
  }

  // Is there a placement of contents k..n-1, with content k placed after prev_end?
  bool from(uint32_t k, int64_t prev_end) {
    const Content& ck = c[k];
    const Window w = window(ck, prev_end, len);
    const uint32_t clen = static_cast<uint32_t>(ck.bytes.size());
    for (int64_t s = w.from; s + clen <= w.end_limit;) {
      const int64_t hit = find_content(p, static_cast<uint32_t>(w.end_limit), static_cast<uint32_t>(s), ck);
      if (hit < 0) return false;
      const uint32_t end = static_cast<uint32_t>(hit) + clen;
      if (k + 1 == n) return true;
      if (!failed(k + 1, end)) {
        if (from(k + 1, end)) return true;
        set_failed(k + 1, end);
      }
      // Without `within`, the next content's window only shrinks as `end`
      // grows, and later occurrences end later: they would fail too.
      if (!c[k + 1].within) return false;
      s = hit + 1;
    }
    return false;
  }
};

}  // namespace

int64_t find_content(const uint8_t* p, uint32_t end_limit, uint32_t from, const Content& c) noexcept {
  const uint32_t n = static_cast<uint32_t>(c.bytes.size());
  const auto* needle = reinterpret_cast<const uint8_t*>(c.bytes.data());
  if (n == 0 || end_limit < n || from > end_limit - n) return -1;
  const uint32_t last = end_limit - n;  // last admissible start
  if (!c.nocase) {
    const uint8_t* cur = p + from;
    const uint8_t* stop = p + last + 1;
    while (cur < stop) {
      cur = static_cast<const uint8_t*>(std::memchr(cur, needle[0], static_cast<size_t>(stop - cur)));
      if (!cur) return -1;
      if (std::memcmp(cur + 1, needle + 1, n - 1) == 0) return cur - p;
      ++cur;
    }
    return -1;
  }
  const uint8_t first = fold(needle[0]);
  for (uint32_t s = from; s <= last; ++s) {
    if (fold(p[s]) != first) continue;
    uint32_t i = 1;
    while (i < n && fold(p[s + i]) == fold(needle[i])) ++i;
    if (i == n) return s;
  }
  return -1;
}

bool contents_match(const Content* contents, uint32_t n, const uint8_t* payload, uint32_t len,
                    VerifyMemo& memo) noexcept {
  // Split into chains: a chain starts at each non-relative content (and at 0).
  uint32_t start = 0;
  while (start < n) {
    uint32_t end = start + 1;
    while (end < n && contents[end].relative()) ++end;
    if (end - start > 1) {
      const uint32_t words = len / 64 + 1;  // covers bit index len
      for (uint32_t level = 1; level < end - start; ++level)
        std::memset(memo.bits + level * memo.words_per_level, 0, words * sizeof(uint64_t));
    }
    Chain chain{contents + start, end - start, payload, len, memo};
    if (!chain.from(0, 0)) return false;
    start = end;
  }
  return true;
}

}  // namespace vfpath::ids
