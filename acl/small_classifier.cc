#include "acl/small_classifier.h"

#include <immintrin.h>

#include <cstring>

namespace acl {

// Addresses as four host-order 32-bit words (IPv4: word 0 only; the other
// words of rule and key are zero). A port range is (lo, hi - lo) so that
// "lo <= p <= hi" is one unsigned compare: p - lo <= span. Unused lanes can
// never match: their proto mask is 0xff and proto 0x100.
struct alignas(64) SmallClassifier::Lanes {
  uint32_t count = 0;   // rules
  uint32_t blocks = 0;  // 16-lane blocks in use
  uint32_t words = 1;   // address words compared: 1 (IPv4) or 4 (IPv6)
  alignas(64) uint32_t src_net[4][kMaxRules], src_mask[4][kMaxRules];
  alignas(64) uint32_t dst_net[4][kMaxRules], dst_mask[4][kMaxRules];
  alignas(64) uint32_t sport_lo[kMaxRules], sport_span[kMaxRules];
  alignas(64) uint32_t dport_lo[kMaxRules], dport_span[kMaxRules];
  alignas(64) uint32_t proto[kMaxRules], proto_mask[kMaxRules];
};

namespace {

using Lanes = SmallClassifier::Lanes;

struct Packet {
  uint32_t src[4], dst[4], sport, dport, proto;
};

Packet unpack(const Lanes& l, const uint8_t* key) {
  Packet p{};
  if (l.words == 1) {
    Ipv4Key k;
    std::memcpy(&k, key, sizeof k);
    p.src[0] = ntohl(k.src);
    p.dst[0] = ntohl(k.dst);
    p.sport = ntohs(k.sport);
    p.dport = ntohs(k.dport);
    p.proto = k.proto;
  } else {
    Ipv6Key k;
    std::memcpy(&k, key, sizeof k);
    for (int w = 0; w < 4; ++w) {
      uint32_t s, d;
      std::memcpy(&s, k.src + 4 * w, 4);
      std::memcpy(&d, k.dst + 4 * w, 4);
      p.src[w] = ntohl(s);
      p.dst[w] = ntohl(d);
    }
    p.sport = ntohs(k.sport);
    p.dport = ntohs(k.dport);
    p.proto = k.proto;
  }
  return p;
}

void match_scalar(const Lanes& l, const uint8_t* const* keys, uint32_t* out, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i) {
    Packet p = unpack(l, keys[i]);
    out[i] = 0;
    for (uint32_t r = 0; r < l.count; ++r) {
      bool ok = (p.proto & l.proto_mask[r]) == l.proto[r] && p.sport - l.sport_lo[r] <= l.sport_span[r] &&
                p.dport - l.dport_lo[r] <= l.dport_span[r];
      for (uint32_t w = 0; ok && w < l.words; ++w)
        ok = (p.src[w] & l.src_mask[w][r]) == l.src_net[w][r] && (p.dst[w] & l.dst_mask[w][r]) == l.dst_net[w][r];
      if (ok) {
        out[i] = r + 1;
        break;
      }
    }
  }
}

// Each field is compared on its own and the masks ANDed at the end, so the
// dependency chain is one compare deep, not one per field; all blocks are
// evaluated (no early exit to mispredict) and the first match is one ctz.
__attribute__((target("avx512f"))) void match_avx512(const Lanes& l, const uint8_t* const* keys, uint32_t* out,
                                                     uint32_t n) {
  for (uint32_t i = 0; i < n; ++i) {
    Packet p = unpack(l, keys[i]);
    const __m512i sport = _mm512_set1_epi32(static_cast<int>(p.sport));
    const __m512i dport = _mm512_set1_epi32(static_cast<int>(p.dport));
    const __m512i proto = _mm512_set1_epi32(static_cast<int>(p.proto));
    uint64_t matches = 0;
    for (uint32_t b = 0; b < l.blocks; ++b) {
      const uint32_t o = b * 16;
      uint32_t k = _mm512_cmpeq_epi32_mask(_mm512_and_si512(proto, _mm512_load_si512(l.proto_mask + o)),
                                           _mm512_load_si512(l.proto + o));
      k &= _mm512_cmple_epu32_mask(_mm512_sub_epi32(sport, _mm512_load_si512(l.sport_lo + o)),
                                   _mm512_load_si512(l.sport_span + o));
      k &= _mm512_cmple_epu32_mask(_mm512_sub_epi32(dport, _mm512_load_si512(l.dport_lo + o)),
                                   _mm512_load_si512(l.dport_span + o));
      for (uint32_t w = 0; w < l.words; ++w) {
        k &= _mm512_cmpeq_epi32_mask(
            _mm512_and_si512(_mm512_set1_epi32(static_cast<int>(p.src[w])), _mm512_load_si512(l.src_mask[w] + o)),
            _mm512_load_si512(l.src_net[w] + o));
        k &= _mm512_cmpeq_epi32_mask(
            _mm512_and_si512(_mm512_set1_epi32(static_cast<int>(p.dst[w])), _mm512_load_si512(l.dst_mask[w] + o)),
            _mm512_load_si512(l.dst_net[w] + o));
      }
      matches |= uint64_t{k} << o;
    }
    out[i] = matches ? static_cast<uint32_t>(__builtin_ctzll(matches)) + 1 : 0;
  }
}

uint32_t word_mask(uint8_t len, int w) {
  int bits = len - 32 * w;
  if (bits <= 0) return 0;
  if (bits >= 32) return 0xffffffffu;
  return ~(0xffffffffu >> bits);
}

uint32_t word_of(const Address& a, int w) {
  return uint32_t{a.bytes[4 * w]} << 24 | uint32_t{a.bytes[4 * w + 1]} << 16 | uint32_t{a.bytes[4 * w + 2]} << 8 |
         a.bytes[4 * w + 3];
}

}  // namespace

Result<SmallClassifier> SmallClassifier::build(Family family, std::span<const Rule> rules, bool force_scalar) {
  if (rules.size() > kMaxRules)
    return make_error(Errc::kTooManyRules, std::to_string(rules.size()) + " rules: a small classifier holds at most " +
                                               std::to_string(kMaxRules));
  auto lanes = std::make_shared<Lanes>();
  std::memset(lanes.get(), 0, sizeof(Lanes));
  Lanes& l = *lanes;
  l.count = static_cast<uint32_t>(rules.size());
  l.blocks = (l.count + 15) / 16;
  l.words = family == Family::kIpv4 ? 1 : 4;
  for (uint32_t r = 0; r < kMaxRules; ++r) {  // unused lanes never match
    l.proto[r] = 0x100;
    l.proto_mask[r] = 0xff;
  }
  for (uint32_t r = 0; r < l.count; ++r) {
    const Rule& rule = rules[r];
    if (rule.family != family || rule.src_len > max_prefix_len(family) || rule.dst_len > max_prefix_len(family))
      return make_error(Errc::kInvalidArgument, "rule " + std::to_string(r) + ": wrong family or prefix length");
    if (rule.sport.lo > rule.sport.hi || rule.dport.lo > rule.dport.hi)
      return make_error(Errc::kReversedPortRange, "rule " + std::to_string(r) + ": reversed port range");
    for (uint32_t w = 0; w < l.words; ++w) {
      l.src_mask[w][r] = word_mask(rule.src_len, static_cast<int>(w));
      l.src_net[w][r] = word_of(rule.src, static_cast<int>(w)) & l.src_mask[w][r];
      l.dst_mask[w][r] = word_mask(rule.dst_len, static_cast<int>(w));
      l.dst_net[w][r] = word_of(rule.dst, static_cast<int>(w)) & l.dst_mask[w][r];
    }
    l.sport_lo[r] = rule.sport.lo;
    l.sport_span[r] = rule.sport.hi - rule.sport.lo;
    l.dport_lo[r] = rule.dport.lo;
    l.dport_span[r] = rule.dport.hi - rule.dport.lo;
    l.proto_mask[r] = rule.proto_mask;
    l.proto[r] = rule.proto & rule.proto_mask;
  }
  SmallClassifier c;
  c.family_ = family;
  c.simd_ = !force_scalar && __builtin_cpu_supports("avx512f");
  c.match_ = c.simd_ ? match_avx512 : match_scalar;
  c.lanes_ = std::move(lanes);
  return c;
}

}  // namespace acl
