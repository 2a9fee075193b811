// Reading a configuration file: the protobuf JSON mapping of Config, checked
// completely (syntax, then validate_config) before anything uses it.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "control/vfpath.pb.h"

namespace vfpath::control {

// Every problem found, one per line, each starting with the file name.
class ConfigFileError : public std::runtime_error {
 public:
  ConfigFileError(const std::string& file, const std::vector<std::string>& problems);
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

// Parses and validates JSON text; `origin` names it in errors. IDS rule
// sets' `rules_file` is read into `rules`, relative to `base_dir` (the
// configuration file's directory; empty: as given).
config::v1::Config parse_config_json(const std::string& json, const std::string& origin,
                                     const std::string& base_dir = "");

// Reads, parses and validates a file. Throws ConfigFileError.
config::v1::Config load_config_file(const std::string& path);

}  // namespace vfpath::control
