// 'text' for error messages. Built by append rather than "'" + std::string(x),
// which trips a GCC 12 -Wrestrict false positive. Control path only.
#pragma once

#include <string>
#include <string_view>

namespace vfpath::ids {

inline std::string quoted(std::string_view text) {
  std::string s;
  s.reserve(text.size() + 2);
  s += '\'';
  s.append(text);
  s += '\'';
  return s;
}

}  // namespace vfpath::ids
