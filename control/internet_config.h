// The internet gateway and the ENIs' Elastic IPs (`internet_gateway`,
// `enis[].public_ipv4`): checked while the model is built (after the ENIs
// and the overlay), with EC2's rules: a public address is one ENI's, once,
// outside every VPC CIDR, for one of that ENI's own IPv4 addresses.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "control/overlay_config.h"
#include "control/validate.h"
#include "control/vfpath.pb.h"
#include "packet/addr.h"

namespace vfpath::control {

struct InternetModel {
  std::string port;  // a port of role UPLINK, not the underlay's
  MacAddr mac;       // ours on it
  MacAddr next_hop;  // the public-side router
};

// Fills model.internet, model.vpc_cidrs4 and each ENI's public_ipv4.
void build_internet(const config::v1::Config& c, const OverlayFacts& facts, Model& model,
                    std::vector<ConfigError>& errors);

}  // namespace vfpath::control
