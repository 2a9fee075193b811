// Line-by-line reading of plain or gzip-compressed text files (zlib's gzopen
// reads both transparently, so callers never check the suffix).
#pragma once

#include <zlib.h>

#include <string>

#include "acl/result.h"

namespace acl {

class LineReader final {
 public:
  static Result<LineReader> open(const std::string& path);
  LineReader(LineReader&& other) noexcept;
  LineReader& operator=(LineReader&&) = delete;
  LineReader(const LineReader&) = delete;
  ~LineReader();

  // Next line without the trailing "\n" / "\r\n". false at end of file;
  // then error() says whether it ended on a read error.
  bool next(std::string* line);
  size_t line_number() const { return line_no_; }  // 1-based, of the last line
  const std::string& path() const { return path_; }
  Status error() const;

 private:
  LineReader(gzFile f, std::string path) : file_(f), path_(std::move(path)) {}
  gzFile file_ = nullptr;
  std::string path_;
  size_t line_no_ = 0;
  bool failed_ = false;
};

}  // namespace acl
