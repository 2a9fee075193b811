// libFuzzer target: ClassBench rule lines (each line of the input) through
// parse_rule, and the whole input as a rule file and a trace file through the
// readers (plain and as read by zlib). A parsed rule must format back into a
// line that parses to the same rule.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "acl/classbench.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace acl::classbench;
  if (size > 1 << 16) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    auto r = parse_rule(text.substr(start, end - start));
    if (r.ok()) {
      auto again = parse_rule(format_rule(r.value()));
      if (!again.ok() || format_rule(again.value()) != format_rule(r.value())) std::abort();
    }
    start = end + 1;
  }
  static const std::string path = "/tmp/vfpath-classbench-fuzz-" + std::to_string(getpid());
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
    (void)read_rules(path);
    (void)read_trace(path, acl::Family::kIpv4);
    (void)read_trace(path, acl::Family::kIpv6);
    (void)read_expected(path);
  }
  return 0;
}
