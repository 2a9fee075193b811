// Applying a Delta to a configuration: the result is a whole configuration,
// which then goes through the same validation and compilation as any push.
#pragma once

#include <string>
#include <vector>

#include "control/vfpath.pb.h"

namespace vfpath::control {

// `problems` receives what makes the delta itself unusable (deleting an
// object that does not exist, an upsert without an id, the same id twice);
// the result's own consistency is validate_config's business.
config::v1::Config apply_delta(const config::v1::Config& base, const config::v1::Delta& delta,
                               std::vector<std::string>& problems);

}  // namespace vfpath::control
