// The problems of a refused push as one gRPC status message. gRPC carries the
// message in trailers, which clients drop whole past their metadata limit
// (8 KiB by default): a push with a thousand problems would arrive with none.
// So the text keeps whole lines up to a budget and then says how many more
// there are, which a client always receives.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace vfpath::control {

inline constexpr std::size_t kMaxStatusTextBytes = 6 * 1024;

inline std::string join_problems(const std::vector<std::string>& lines, std::size_t budget = kMaxStatusTextBytes) {
  std::string s;
  std::size_t kept = 0;
  for (const auto& l : lines) {
    if (s.size() + l.size() + 1 > budget && kept > 0) break;
    s += (s.empty() ? "" : "\n") + l.substr(0, budget);
    ++kept;
  }
  if (kept < lines.size())
    s += "\n... and " + std::to_string(lines.size() - kept) + " more problems (" + std::to_string(lines.size()) +
         " in all; the first ones are above)";
  return s;
}

}  // namespace vfpath::control
