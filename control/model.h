// The configuration parsed once into values: every address, prefix and MAC
// as a value, every reference by id resolved to an index, NACL entries built
// into the acl::nacl model. build_model checks while it builds and reports
// every problem with its field path; a field it refuses is left out of the
// checks that depend on it, so one mistake is reported once (a VPC CIDR with
// host bits does not also make each of its subnets "not inside a CIDR").
// compile_snapshot (compile.h) reads a model with no problems and cannot
// fail on it except for resources (CompileError).
//
// Not yet typed here: the security groups and prefix lists (sg_config.h
// expands them from the schema) and the overlay (overlay_config.h); the
// model keeps the source message for them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "acl/nacl.h"
#include "conntrack/flow_table.h"
#include "control/validate.h"
#include "control/vfpath.pb.h"
#include "packet/addr.h"

namespace vfpath::control {

inline constexpr uint16_t kNoNaclIndex = 0xffff;

struct PortModel {
  std::string name;
  bool uplink = false;  // role UPLINK, else ENI
};

struct VpcModel {
  std::string id;
};

struct NaclModel {
  std::string id;
  acl::nacl::Nacl rules;
  const config::v1::NetworkAcl* source = nullptr;  // its serialization keys the classifier cache
};

struct SubnetModel {
  std::string id;
  uint16_t vpc = 0;
  std::optional<Ipv4Prefix> cidr4;
  std::optional<Ipv6Prefix> cidr6;
  Ipv4Addr gateway4;  // the configured one, else the CIDR's first host address
  Ipv6Addr gateway6;
  uint16_t nacl = kNoNaclIndex;
};

struct EniModel {
  std::string id;
  std::string port;  // a port name of the model (DPDK ids are given at compile)
  MacAddr mac;
  uint16_t vlan = 0;
  uint16_t subnet = 0;
  uint16_t vpc = 0;
  bool source_dest_check = true;
  std::vector<Ipv4Addr> ipv4;
  std::vector<Ipv6Addr> ipv6;
  ct::ZoneConfig conntrack;
  bool revalidate = false;
};

struct Model {
  // The message the model was built from: the parts not typed yet read it.
  // Must outlive the model.
  const config::v1::Config* source = nullptr;
  uint64_t generation = 0;
  MacAddr router_mac;
  uint32_t conntrack_capacity = kDefaultConntrackCapacity;
  std::vector<PortModel> ports;  // in config order, as every list below
  std::vector<VpcModel> vpcs;
  std::vector<NaclModel> nacls;
  std::vector<SubnetModel> subnets;
  std::vector<EniModel> enis;
};

struct ModelBuild {
  Model model;
  std::vector<ConfigError> problems;  // empty: the model is complete and consistent
};

ModelBuild build_model(const config::v1::Config& config);

}  // namespace vfpath::control
