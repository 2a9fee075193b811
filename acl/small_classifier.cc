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

__attribute__((always_inline)) inline Packet unpack(const Lanes& l, const uint8_t* key) {
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

// Sixteen packets in the lanes; every rule is broadcast and compared with
// all sixteen at once, and each lane keeps the minimum matching rule number
// (= its first match). No rule's compares depend on another's — the only
// loop-carried value is a one-cycle vpminud — so the rules overlap in the
// pipeline. (A walk that stopped once every packet had matched made each
// rule wait for the previous one's mask: measured slower.)
template <uint32_t kWords>  // 1: IPv4, 4: IPv6 (l.words), fixed at compile time
__attribute__((target("avx512f"))) void match_avx512(const Lanes& l, const uint8_t* const* keys, uint32_t* out,
                                                     uint32_t n) {
  for (uint32_t base = 0; base < n; base += 16) {
    const uint32_t count = n - base < 16 ? n - base : 16;
    alignas(64) uint32_t src[kWords][16], dst[kWords][16], sport[16], dport[16], proto[16];
    for (uint32_t i = 0; i < count; ++i) {
      Packet p = unpack(l, keys[base + i]);
      for (uint32_t w = 0; w < kWords; ++w) {
        src[w][i] = p.src[w];
        dst[w][i] = p.dst[w];
      }
      sport[i] = p.sport;
      dport[i] = p.dport;
      proto[i] = p.proto;
    }
    const __mmask16 live = static_cast<__mmask16>(count == 16 ? 0xffff : (1u << count) - 1);
    __m512i vs[kWords], vd[kWords];
    for (uint32_t w = 0; w < kWords; ++w) {
      vs[w] = _mm512_maskz_load_epi32(live, src[w]);
      vd[w] = _mm512_maskz_load_epi32(live, dst[w]);
    }
    const __m512i vsp = _mm512_maskz_load_epi32(live, sport), vdp = _mm512_maskz_load_epi32(live, dport),
                  vpr = _mm512_maskz_load_epi32(live, proto);
    const __m512i none = _mm512_set1_epi32(-1);
    __m512i best = none;
    for (uint32_t r = 0; r < l.count; ++r) {
      uint32_t k = _mm512_cmpeq_epi32_mask(_mm512_and_si512(vpr, _mm512_set1_epi32(static_cast<int>(l.proto_mask[r]))),
                                           _mm512_set1_epi32(static_cast<int>(l.proto[r])));
      k &= _mm512_cmple_epu32_mask(_mm512_sub_epi32(vsp, _mm512_set1_epi32(static_cast<int>(l.sport_lo[r]))),
                                   _mm512_set1_epi32(static_cast<int>(l.sport_span[r])));
      k &= _mm512_cmple_epu32_mask(_mm512_sub_epi32(vdp, _mm512_set1_epi32(static_cast<int>(l.dport_lo[r]))),
                                   _mm512_set1_epi32(static_cast<int>(l.dport_span[r])));
      for (uint32_t w = 0; w < kWords; ++w) {
        k &= _mm512_cmpeq_epi32_mask(_mm512_and_si512(vs[w], _mm512_set1_epi32(static_cast<int>(l.src_mask[w][r]))),
                                     _mm512_set1_epi32(static_cast<int>(l.src_net[w][r])));
        k &= _mm512_cmpeq_epi32_mask(_mm512_and_si512(vd[w], _mm512_set1_epi32(static_cast<int>(l.dst_mask[w][r]))),
                                     _mm512_set1_epi32(static_cast<int>(l.dst_net[w][r])));
      }
      best = _mm512_mask_min_epu32(best, static_cast<__mmask16>(k), best, _mm512_set1_epi32(static_cast<int>(r + 1)));
    }
    best = _mm512_mask_mov_epi32(best, _mm512_cmpeq_epi32_mask(best, none), _mm512_setzero_si512());
    _mm512_mask_storeu_epi32(out + base, live, best);
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
  c.match_ = !c.simd_ ? match_scalar : family == Family::kIpv4 ? match_avx512<1> : match_avx512<4>;
  c.lanes_ = std::move(lanes);
  return c;
}

}  // namespace acl
