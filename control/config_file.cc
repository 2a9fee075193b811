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

config::v1::Config parse_config_json(const std::string& json, const std::string& origin) {
  config::v1::Config config;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;  // a misspelt field is an error, not a silent default
  auto status = google::protobuf::util::JsonStringToMessage(json, &config, options);
  if (!status.ok()) {
    std::string message(status.message());
    throw ConfigFileError(origin, {message.substr(0, message.find('\n'))});  // drops a bare "^" marker
  }
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
  return parse_config_json(buf.str(), path);
}

}  // namespace vfpath::control
