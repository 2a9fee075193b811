#include "ids/pcre_check.h"

#include <hs/hs.h>

namespace vfpath::ids {

bool parse_pcre(std::string_view value, Pcre& out, std::string& error) {
  if (value.size() < 2 || value.front() != '/') {
    error = "expected \"/expression/flags\"";
    return false;
  }
  const size_t close = value.rfind('/');
  if (close == 0) {
    error = "missing the closing '/' of the expression";
    return false;
  }
  out.expr = std::string(value.substr(1, close - 1));
  out.flags = std::string(value.substr(close + 1));
  out.hs_flags = 0;
  if (out.expr.empty()) {
    error = "empty expression";
    return false;
  }
  for (char f : out.flags) {
    unsigned bit = 0;
    switch (f) {
      case 'i': bit = HS_FLAG_CASELESS; break;
      case 's': bit = HS_FLAG_DOTALL; break;
      case 'm': bit = HS_FLAG_MULTILINE; break;
      case 'R':
        error = "modifier 'R' (relative to the previous match) is not supported";
        return false;
      default:
        error = std::string("modifier '") + f +
                "' is not supported (supported: i, s, m)";
        return false;
    }
    if (out.hs_flags & bit) {
      error = std::string("modifier '") + f + "' given twice";
      return false;
    }
    out.hs_flags |= bit;
  }
  // Hyperscan needs a NUL-terminated expression; an embedded NUL cannot be
  // written in a rule anyway (it would be \x00 in the text).
  hs_expr_info_t* info = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_expression_info(out.expr.c_str(), out.hs_flags, &info, &err) != HS_SUCCESS) {
    error = std::string("Hyperscan cannot compile it: ") +
            (err && err->message ? err->message : "unknown error");
    hs_free_compile_error(err);
    return false;
  }
  const bool empty = info->min_width == 0;
  free(info);  // allocated by hs's default allocator (malloc)
  if (empty) {
    error = "the expression can match the empty string, so it would match every packet";
    return false;
  }
  return true;
}

}  // namespace vfpath::ids
