#include "acl/line_reader.h"

#include <cerrno>
#include <cstring>

namespace acl {

Result<LineReader> LineReader::open(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) {
    return make_error(Errc::kIo, "cannot open " + path + ": " + std::strerror(errno));
  }
  gzbuffer(f, 1 << 17);
  return LineReader(f, path);
}

LineReader::LineReader(LineReader&& other) noexcept
    : file_(other.file_), path_(std::move(other.path_)), line_no_(other.line_no_),
      failed_(other.failed_) {
  other.file_ = nullptr;
}

LineReader::~LineReader() {
  if (file_ != nullptr) gzclose(file_);
}

bool LineReader::next(std::string* line) {
  line->clear();
  char buf[4096];
  bool got = false;
  while (gzgets(file_, buf, sizeof(buf)) != nullptr) {
    got = true;
    line->append(buf);
    if (!line->empty() && line->back() == '\n') break;
  }
  if (!got) {
    int err = Z_OK;
    gzerror(file_, &err);
    failed_ = err != Z_OK && err != Z_STREAM_END;
    return false;
  }
  while (!line->empty() && (line->back() == '\n' || line->back() == '\r')) line->pop_back();
  ++line_no_;
  return true;
}

Status LineReader::error() const {
  if (!failed_) return Ok{};
  int err = Z_OK;
  const char* msg = gzerror(file_, &err);
  return make_error(Errc::kIo, path_ + ": read error after line " + std::to_string(line_no_) +
                                   ": " + msg);
}

}  // namespace acl
