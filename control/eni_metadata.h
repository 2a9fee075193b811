// An ENI's instance metadata settings (`enis[].instance_id`,
// `metadata_options`, `user_data`): checked while the model is built, with
// EC2's values and defaults.
#pragma once

#include <string>
#include <vector>

#include "control/validate.h"
#include "control/vfpath.pb.h"
#include "dataplane/snapshot.h"

namespace vfpath::control {

inline constexpr size_t kMaxUserDataBytes = 16384;  // EC2's limit
inline constexpr size_t kMaxInstanceIdBytes = 63;
inline constexpr uint32_t kMaxPutHopLimit = 64;    // EC2's range: 1..64

struct EniMetadataModel {
  EniMetadataOptions options;
  std::string instance_id;
  std::string user_data;
};

// The instance id an ENI gets when it names none: "i-" and the ENI id's part
// after "eni-" (the whole id when it has no such prefix).
std::string default_instance_id(const std::string& eni_id);

// Fills `out` from `e`; problems under `path` (e.g. "enis[0]").
void build_eni_metadata(const config::v1::Eni& e, const std::string& path, EniMetadataModel& out,
                        std::vector<ConfigError>& errors);

}  // namespace vfpath::control
