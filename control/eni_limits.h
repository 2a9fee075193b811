// An ENI's allowances (`enis[].limits`): checked while the model is built,
// turned into the token-bucket settings the allowance stages read.
#pragma once

#include <string>
#include <vector>

#include "control/validate.h"
#include "control/vfpath.pb.h"
#include "dataplane/allowance.h"

namespace vfpath::control {

inline constexpr uint32_t kMaxPps = 100000000;
inline constexpr uint32_t kMaxBandwidthMbps = 32000;  // 4 GB/s: a bucket counts bytes in 32 bits
inline constexpr uint32_t kMaxBurstKb = 1u << 20;     // 1 GiB
inline constexpr uint32_t kMaxPpsBurst = 1u << 30;
inline constexpr uint32_t kMinBurstKb = 16;  // a 9,018-byte jumbo frame must fit

// Fills `out` from e.limits(); problems under `path` (e.g. "enis[0]").
void build_eni_limits(const config::v1::Eni& e, const std::string& path, EniAllowances& out,
                      std::vector<ConfigError>& errors);

}  // namespace vfpath::control
