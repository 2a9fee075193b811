#include "ids/ruleset_loader.h"

#include <hs/hs.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "ids/rule_parser.h"
#include "ids/sha256.h"

namespace vfpath::ids {
namespace {

constexpr std::string_view kMagic = "vfpath-ids-hsdb 1\n";

std::string platform_string() {
  hs_platform_info_t p{};
  if (hs_populate_platform(&p) != HS_SUCCESS) return "unknown";
  return std::to_string(p.tune) + "/" + std::to_string(p.cpu_features);
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream s;
  s << f.rdbuf();
  out = s.str();
  return static_cast<bool>(f) || f.eof();
}

bool write_atomically(const std::string& path, std::string_view a, std::string_view b, std::string& note) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f.write(a.data(), static_cast<std::streamsize>(a.size()));
    f.write(b.data(), static_cast<std::streamsize>(b.size()));
    if (!f) {
      note = "cannot write " + tmp;
      return false;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    note = "cannot rename " + tmp;
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace

std::string cache_key(std::string_view text, const std::vector<Rule>& rules) {
  return "rules=" + sha256_hex(text) + " plan=" + Database::plan_digest_of(rules) + " hs=" + hs_version() +
         " platform=" + platform_string();
}

std::string cache_path(const std::string& dir, const std::string& key) {
  return dir + "/" + sha256_hex(key) + ".hsdb";
}

LoadResult load_ruleset(std::string_view text, const LoadOptions& options) {
  LoadResult res;
  ParseResult parsed = parse_rules(text);
  if (!parsed.ok()) {
    res.errors = std::move(parsed.errors);
    return res;
  }
  std::string key, path;
  if (!options.cache_dir.empty()) {
    key = cache_key(text, parsed.rules);
    path = cache_path(options.cache_dir, key);
    std::string file;
    if (read_file(path, file)) {
      const std::string header = std::string(kMagic) + key + "\n";
      if (file.compare(0, header.size(), header) == 0) {
        std::string err;
        res.db = Database::deserialize(parsed.rules, std::string_view(file).substr(header.size()), err);
        if (res.db) {
          res.from_cache = true;
          return res;
        }
        res.cache_note = "cache entry refused (" + err + "); recompiled";
      } else {
        res.cache_note = "cache entry has another key; recompiled";
      }
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  res.db = Database::compile(std::move(parsed.rules), res.errors);
  res.compile_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!res.db || options.cache_dir.empty()) return res;
  std::string bytes, err;
  if (!res.db->serialize(bytes, err)) {
    res.cache_note = err;
    return res;
  }
  write_atomically(path, std::string(kMagic) + key + "\n", bytes, res.cache_note);
  return res;
}

}  // namespace vfpath::ids
