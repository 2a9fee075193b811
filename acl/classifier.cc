#include "acl/classifier.h"

#include <rte_acl.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>

#include "acl/rte_layout.h"
#include "acl/rule_check.h"

namespace acl {
namespace {

enum rte_acl_classify_alg to_alg(Method m) {
  switch (m) {
    case Method::kAuto: return RTE_ACL_CLASSIFY_DEFAULT;
    case Method::kScalar: return RTE_ACL_CLASSIFY_SCALAR;
    case Method::kSse: return RTE_ACL_CLASSIFY_SSE;
    case Method::kAvx2: return RTE_ACL_CLASSIFY_AVX2;
    case Method::kAvx512x16: return RTE_ACL_CLASSIFY_AVX512X16;
    case Method::kAvx512x32: return RTE_ACL_CLASSIFY_AVX512X32;
  }
  return RTE_ACL_CLASSIFY_DEFAULT;
}

// Bytes currently allocated from all rte_malloc heaps.
size_t heap_allocated() {
  size_t total = 0;
  for (unsigned i = 0; i < rte_socket_count(); ++i) {
    rte_malloc_socket_stats s{};
    if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &s) == 0) {
      total += s.heap_allocsz_bytes;
    }
  }
  return total;
}

// rte_acl context names must be unique per process.
std::string next_ctx_name() {
  static std::atomic<uint32_t> counter{0};
  return "vfacl-" + std::to_string(counter.fetch_add(1, std::memory_order_relaxed));
}

Error dpdk_error(const char* what, int rc) {
  const int err = rc < 0 ? -rc : rc;
  return make_error(Errc::kDpdk, std::string(what) + " failed: " + rte_strerror(err));
}

}  // namespace

Result<Classifier> Classifier::build(Family family, std::span<const Rule> rules,
                                     const BuildOptions& options) {
  if (auto st = check_rules(family, rules); !st) return st.error();
  if (options.shards == 0 || options.shards > kMaxShards) {
    return make_error(Errc::kInvalidArgument, "shards = " + std::to_string(options.shards) +
                                                  " is outside 1.." + std::to_string(kMaxShards));
  }
  // Priorities count down from RTE_ACL_MAX_PRIORITY and must stay >= MIN.
  if (rules.size() >= static_cast<size_t>(RTE_ACL_MAX_PRIORITY)) {
    return make_error(Errc::kTooManyRules, std::to_string(rules.size()) +
                                               " rules exceed rte_acl's priority range");
  }
  const auto t0 = std::chrono::steady_clock::now();
  const size_t heap0 = heap_allocated();

  Classifier c;
  c.family_ = family;
  c.stats_.rules = rules.size();
  // rte_acl refuses to add or build zero rules: an empty set gets no
  // context and classify() answers 0 (no match) without calling rte_acl.
  const size_t shards = std::min<size_t>(options.shards, rules.size());
  const size_t chunk = shards == 0 ? 0 : (rules.size() + shards - 1) / shards;
  const uint32_t num_fields =
      family == Family::kIpv4 ? detail::kIpv4Fields : detail::kIpv6Fields;
  const rte_acl_config cfg = detail::make_config(family, options.max_size);
  for (size_t base = 0; base < rules.size(); base += chunk) {
    const auto part = rules.subspan(base, std::min(chunk, rules.size() - base));
    const std::string name = next_ctx_name();
    const rte_acl_param param{.name = name.c_str(),
                              .socket_id = SOCKET_ID_ANY,
                              .rule_size = static_cast<uint32_t>(RTE_ACL_RULE_SZ(num_fields)),
                              .max_rule_num = static_cast<uint32_t>(part.size())};
    rte_acl_ctx* ctx = rte_acl_create(&param);
    if (ctx == nullptr) return dpdk_error("rte_acl_create", rte_errno);
    c.ctx_[c.num_ctx_++] = ctx;  // owned by c from here on, freed on error
    int rc = 0;
    if (family == Family::kIpv4) {
      const auto acl_rules = detail::to_acl_rules4(part, base);
      rc = rte_acl_add_rules(ctx, reinterpret_cast<const rte_acl_rule*>(acl_rules.data()),
                             static_cast<uint32_t>(acl_rules.size()));
    } else {
      const auto acl_rules = detail::to_acl_rules6(part, base);
      rc = rte_acl_add_rules(ctx, reinterpret_cast<const rte_acl_rule*>(acl_rules.data()),
                             static_cast<uint32_t>(acl_rules.size()));
    }
    if (rc != 0) return dpdk_error("rte_acl_add_rules", rc);
    rc = rte_acl_build(ctx, &cfg);
    if (rc != 0) {
      return dpdk_error(("rte_acl_build of rules " + std::to_string(base) + ".." +
                         std::to_string(base + part.size() - 1))
                            .c_str(),
                        rc);
    }
  }
  c.stats_.contexts = c.num_ctx_;
  if (auto st = c.set_method(options.method); !st) return st.error();

  c.stats_.memory_bytes = heap_allocated() - heap0;
  c.stats_.build_ns = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0)
          .count());
  return c;
}

Status Classifier::set_method(Method method) {
  if (num_ctx_ == 0) return Ok{};  // empty rule set: nothing to classify with
  auto set_all = [this](Method m) {
    for (uint32_t i = 0; i < num_ctx_; ++i) {
      if (const int rc = rte_acl_set_ctx_classify(ctx_[i], to_alg(m)); rc != 0) return rc;
    }
    return 0;
  };
  if (method != Method::kAuto) {
    const int rc = set_all(method);
    if (rc != 0) {
      return make_error(Errc::kUnsupportedMethod,
                        "classify method '" + std::string(method_name(method)) +
                            "' is not available on this CPU/EAL (" + rte_strerror(-rc) + ")");
    }
    stats_.method = method;
    return Ok{};
  }
  for (Method m : kPreferenceOrder) {
    if (set_all(m) == 0) {
      stats_.method = m;
      return Ok{};
    }
  }
  return make_error(Errc::kUnsupportedMethod, "no rte_acl classify method accepted");
}

// rte_acl's prototype lacks the inner const; it does not write the keys.
// Arguments were validated at build (categories = 1), and rte_acl can only
// fail on bad arguments, so its return value carries no information.
void Classifier::classify_single(const uint8_t* const* keys, uint32_t* userdata_out,
                                 uint32_t n) const {
  (void)rte_acl_classify(ctx_[0], const_cast<const uint8_t**>(keys), userdata_out, n, 1);
}

// Shards hold contiguous, increasing rule indices, so the first shard that
// matches a key has its best rule: later shards only fill keys still at 0.
void Classifier::classify_multi(const uint8_t* const* keys, uint32_t* userdata_out,
                                uint32_t n) const {
  if (num_ctx_ == 0) {
    for (uint32_t i = 0; i < n; ++i) userdata_out[i] = 0;
    return;
  }
  constexpr uint32_t kChunk = 64;
  uint32_t tmp[kChunk];
  for (uint32_t off = 0; off < n; off += kChunk) {
    const uint32_t m = n - off < kChunk ? n - off : kChunk;
    const uint8_t** k = const_cast<const uint8_t**>(keys + off);
    uint32_t* out = userdata_out + off;
    (void)rte_acl_classify(ctx_[0], k, out, m, 1);
    for (uint32_t s = 1; s < num_ctx_; ++s) {
      uint32_t unmatched = 0;
      for (uint32_t i = 0; i < m; ++i) unmatched += out[i] == 0;
      if (unmatched == 0) break;
      (void)rte_acl_classify(ctx_[s], k, tmp, m, 1);
      for (uint32_t i = 0; i < m; ++i) {
        if (out[i] == 0) out[i] = tmp[i];
      }
    }
  }
}

std::vector<Method> Classifier::available_methods() {
  std::vector<Method> out;
  const Rule any{};
  auto probe = build(Family::kIpv4, std::span<const Rule>(&any, 1));
  if (!probe) return out;
  for (Method m : kPreferenceOrder) {
    if (probe.value().set_method(m).ok()) out.push_back(m);
  }
  return out;
}

void Classifier::release() {
  for (uint32_t i = 0; i < num_ctx_; ++i) rte_acl_free(ctx_[i]);
  ctx_ = {};
  num_ctx_ = 0;
}

Classifier::Classifier(Classifier&& other) noexcept
    : ctx_(other.ctx_), num_ctx_(other.num_ctx_), family_(other.family_),
      stats_(other.stats_) {
  other.ctx_ = {};
  other.num_ctx_ = 0;
}

Classifier& Classifier::operator=(Classifier&& other) noexcept {
  if (this != &other) {
    release();
    ctx_ = other.ctx_;
    num_ctx_ = other.num_ctx_;
    family_ = other.family_;
    stats_ = other.stats_;
    other.ctx_ = {};
    other.num_ctx_ = 0;
  }
  return *this;
}

Classifier::~Classifier() { release(); }

}  // namespace acl
