// Complete validation of a configuration before anything of it is used: every
// problem is reported (not only the first), each with the field path in the
// message as written in the config file, e.g.
//   enis[1].ipv4[0]: "10.0.3.5" is not inside subnet "sn-a" (10.0.1.0/24)
// It is build_model (model.h) without the model: a configuration with no
// errors compiles (compile.h) without failing.
#pragma once

#include <string>
#include <vector>

#include "control/vfpath.pb.h"
#include "packet/addr.h"

namespace vfpath::control {

// A value as the messages show it: in double quotes.
inline std::string quoted(const std::string& s) { return "\"" + s + "\""; }

struct ConfigError {
  std::string path;     // e.g. "enis[1].ipv4[0]"
  std::string message;  // what is wrong, with the offending value
  std::string to_string() const { return path + ": " + message; }
};

inline constexpr std::size_t kMaxAddressesPerEni = 50;  // AWS: IPv4 addresses per ENI
inline constexpr std::size_t kMaxEniIdBytes = 63;       // it is in every IDS alert record (AWS: "eni-" + 17 hex)
// The connection table: 2^20 by default (DESIGN §5); the upper bound keeps a
// table's index within conntrack's 28-bit entry ids.
inline constexpr uint32_t kDefaultConntrackCapacity = 1u << 20;
inline constexpr uint32_t kMinConntrackCapacity = 1024;
inline constexpr uint32_t kMaxConntrackCapacity = 1u << 26;

std::vector<ConfigError> validate_config(const config::v1::Config& config);

// The router MAC when the configuration leaves it empty.
inline constexpr const char* kDefaultRouterMac = "02:76:66:70:00:01";

}  // namespace vfpath::control
