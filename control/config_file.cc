#include "control/config_file.h"

#include <google/protobuf/util/json_util.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "control/validate.h"

namespace vfpath::control {
namespace {

std::string join(const std::string& file, const std::vector<std::string>& problems) {
  std::string s;
  for (const auto& p : problems) s += (s.empty() ? "" : "\n") + file + ": " + p;
  return s;
}

}  // namespace

ConfigFileError::ConfigFileError(const std::string& file, const std::vector<std::string>& problems)
    : std::runtime_error(join(file, problems)), problems_(problems) {}

// IDS rule sets given as rules_file: read, relative to `base_dir`, into `rules`.
static void read_rules_files(config::v1::Config& config, const std::string& base_dir, const std::string& origin) {
  std::vector<std::string> problems;
  for (int i = 0; i < config.ids_rulesets_size(); ++i) {
    auto& r = *config.mutable_ids_rulesets(i);
    if (r.rules_file().empty()) continue;
    const std::string path = "ids_rulesets[" + std::to_string(i) + "].rules_file";
    if (!r.rules().empty()) {
      problems.push_back(path + ": give the rules inline or as a file, not both");
      continue;
    }
    const std::string file = r.rules_file()[0] == '/' || base_dir.empty() ? r.rules_file() : base_dir + "/" + r.rules_file();
    std::ifstream in(file);
    if (!in) {
      problems.push_back(path + ": cannot open " + file + ": " + std::strerror(errno));
      continue;
    }
    std::stringstream buf;
    buf << in.rdbuf();
    r.set_rules(buf.str());
    r.clear_rules_file();
  }
  if (!problems.empty()) throw ConfigFileError(origin, problems);
}

config::v1::Config parse_config_json(const std::string& json, const std::string& origin, const std::string& base_dir) {
  config::v1::Config config;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;  // a misspelt field is an error, not a silent default
  auto status = google::protobuf::util::JsonStringToMessage(json, &config, options);
  if (!status.ok()) {
    std::string message(status.message());
    throw ConfigFileError(origin, {message.substr(0, message.find('\n'))});  // drops a bare "^" marker
  }
  read_rules_files(config, base_dir, origin);
  std::vector<std::string> problems;
  for (const auto& e : validate_config(config)) problems.push_back(e.to_string());
  if (!problems.empty()) throw ConfigFileError(origin, problems);
  return config;
}

config::v1::Config load_config_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigFileError(path, {std::string("cannot open: ") + std::strerror(errno)});
  std::stringstream buf;
  buf << in.rdbuf();
  const size_t slash = path.rfind('/');
  return parse_config_json(buf.str(), path, slash == std::string::npos ? "." : path.substr(0, slash));
}

}  // namespace vfpath::control
