// rte_acl classify implementations, by name. No DPDK types here so that
// option parsing and reports do not need rte_acl.h.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace acl {

enum class Method : uint8_t {
  kAuto = 0,  // best available, tried in kPreferenceOrder
  kScalar,
  kSse,
  kAvx2,
  kAvx512x16,
  kAvx512x32,
};

// Fastest first; kAuto picks the first one rte_acl accepts on this CPU and
// under the EAL's max SIMD bit-width (AVX512 needs
// --force-max-simd-bitwidth=512 or rte_vect_set_max_simd_bitwidth(512):
// DPDK defaults to 256 bits on x86).
inline constexpr Method kPreferenceOrder[] = {Method::kAvx512x32, Method::kAvx512x16,
                                              Method::kAvx2, Method::kSse, Method::kScalar};

// "auto", "scalar", "sse", "avx2", "avx512x16", "avx512x32".
std::string_view method_name(Method m);
std::optional<Method> parse_method(std::string_view name);

}  // namespace acl
