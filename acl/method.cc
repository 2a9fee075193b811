#include "acl/method.h"

namespace acl {
namespace {

struct Named {
  Method method;
  std::string_view name;
};
constexpr Named kNames[] = {
    {Method::kAuto, "auto"},           {Method::kScalar, "scalar"},
    {Method::kSse, "sse"},             {Method::kAvx2, "avx2"},
    {Method::kAvx512x16, "avx512x16"}, {Method::kAvx512x32, "avx512x32"},
};

}  // namespace

std::string_view method_name(Method m) {
  for (const Named& n : kNames) {
    if (n.method == m) return n.name;
  }
  return "unknown";
}

std::optional<Method> parse_method(std::string_view name) {
  for (const Named& n : kNames) {
    if (n.name == name) return n.method;
  }
  return std::nullopt;
}

}  // namespace acl
