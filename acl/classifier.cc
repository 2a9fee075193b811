#include "acl/classifier.h"

#include <rte_acl.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_memory.h>

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
  if (rules.empty()) {
    // rte_acl refuses to add or build zero rules; no context, classify()
    // answers 0 (no match) without calling rte_acl.
    return c;
  }
  const uint32_t num_fields =
      family == Family::kIpv4 ? detail::kIpv4Fields : detail::kIpv6Fields;
  const std::string name = next_ctx_name();
  const rte_acl_param param{.name = name.c_str(),
                            .socket_id = SOCKET_ID_ANY,
                            .rule_size = static_cast<uint32_t>(RTE_ACL_RULE_SZ(num_fields)),
                            .max_rule_num = static_cast<uint32_t>(rules.size())};
  c.ctx_ = rte_acl_create(&param);
  if (c.ctx_ == nullptr) return dpdk_error("rte_acl_create", rte_errno);

  int rc = 0;
  if (family == Family::kIpv4) {
    const auto acl_rules = detail::to_acl_rules4(rules);
    rc = rte_acl_add_rules(c.ctx_, reinterpret_cast<const rte_acl_rule*>(acl_rules.data()),
                           static_cast<uint32_t>(acl_rules.size()));
  } else {
    const auto acl_rules = detail::to_acl_rules6(rules);
    rc = rte_acl_add_rules(c.ctx_, reinterpret_cast<const rte_acl_rule*>(acl_rules.data()),
                           static_cast<uint32_t>(acl_rules.size()));
  }
  if (rc != 0) return dpdk_error("rte_acl_add_rules", rc);
  const rte_acl_config cfg = detail::make_config(family, options.max_size);
  rc = rte_acl_build(c.ctx_, &cfg);
  if (rc != 0) {
    return dpdk_error(("rte_acl_build of " + std::to_string(rules.size()) + " rules").c_str(), rc);
  }
  if (auto st = c.set_method(options.method); !st) return st.error();

  c.stats_.memory_bytes = heap_allocated() - heap0;
  c.stats_.build_ns = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0)
          .count());
  return c;
}

Status Classifier::set_method(Method method) {
  if (ctx_ == nullptr) return Ok{};  // empty rule set: nothing to classify with
  if (method != Method::kAuto) {
    const int rc = rte_acl_set_ctx_classify(ctx_, to_alg(method));
    if (rc != 0) {
      return make_error(Errc::kUnsupportedMethod,
                        "classify method '" + std::string(method_name(method)) +
                            "' is not available on this CPU/EAL (" + rte_strerror(-rc) + ")");
    }
    stats_.method = method;
    return Ok{};
  }
  for (Method m : kPreferenceOrder) {
    if (rte_acl_set_ctx_classify(ctx_, to_alg(m)) == 0) {
      stats_.method = m;
      return Ok{};
    }
  }
  return make_error(Errc::kUnsupportedMethod, "no rte_acl classify method accepted");
}

void Classifier::classify_ctx(const uint8_t* const* keys, uint32_t* userdata_out,
                              uint32_t n) const {
  // Arguments were validated at build (categories = 1); rte_acl can only
  // fail on bad arguments, so the return value carries no information.
  // rte_acl's prototype lacks the inner const; it does not write the keys.
  (void)rte_acl_classify(ctx_, const_cast<const uint8_t**>(keys), userdata_out, n, 1);
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

Classifier::Classifier(Classifier&& other) noexcept
    : ctx_(other.ctx_), family_(other.family_), stats_(other.stats_) {
  other.ctx_ = nullptr;
}

Classifier& Classifier::operator=(Classifier&& other) noexcept {
  if (this != &other) {
    rte_acl_free(ctx_);
    ctx_ = other.ctx_;
    family_ = other.family_;
    stats_ = other.stats_;
    other.ctx_ = nullptr;
  }
  return *this;
}

Classifier::~Classifier() { rte_acl_free(ctx_); }

}  // namespace acl
