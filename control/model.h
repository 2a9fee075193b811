// The configuration parsed once into values: every address, prefix and MAC
// as a value, every reference by id resolved to an index, NACL entries built
// into the acl::nacl model. build_model checks while it builds and reports
// every problem with its field path; a field it refuses is left out of the
// checks that depend on it, so one mistake is reported once (a VPC CIDR with
// host bits does not also make each of its subnets "not inside a CIDR").
// compile_snapshot (compile.h) reads a model with no problems and cannot
// fail on it except for resources (CompileError).
//
// Nothing downstream reads the schema message again: the model owns copies
// of what it needs (ids, and as cache keys the serialized NACLs and groups).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "acl/cidr.h"
#include "acl/nacl.h"
#include "conntrack/flow_table.h"
#include "control/eni_metadata.h"
#include "control/internet_config.h"
#include "control/xdp_config.h"
#include "control/validate.h"
#include "control/vfpath.pb.h"
#include "dataplane/allowance.h"
#include "encap/encap_template.h"
#include "packet/addr.h"

namespace vfpath::control {

inline constexpr uint16_t kNoNaclIndex = 0xffff;

struct PortModel {
  std::string name;
  bool uplink = false;  // role UPLINK, else ENI
};

struct VpcModel {
  std::string id;
  uint32_t vni = 0;  // 0: not on the overlay
  // DHCP (dhcp_options): the domain and DNS servers handed out; IPv4
  // servers by DHCPv4 (by default the first IPv4 CIDR + 2, AWS's
  // AmazonProvidedDNS), IPv6 ones by DHCPv6 (none by default).
  std::string dhcp_domain;
  std::vector<Ipv4Addr> dhcp_dns;
  std::vector<Ipv6Addr> dhcp_dns6;
};

struct NaclModel {
  std::string id;
  acl::nacl::Nacl rules;
  std::string cache_key;  // the NACL as pushed (serialized): keys the classifier cache
};

struct PrefixListModel {
  std::string id;
  std::vector<acl::Cidr> cidrs;
};

// One rule of a security group: what it matches (protocol, destination
// ports, ICMP type/code; its number and CIDR are unused) and its peers.
struct SgRuleModel {
  acl::nacl::NaclRule match;
  std::vector<acl::Cidr> cidrs;
  std::vector<std::string> cidr_text;  // as written, beside cidrs: Explain names the peer so
  std::vector<uint16_t> prefix_lists;  // indices in Model::prefix_lists
  std::vector<uint16_t> groups;        // indices in Model::security_groups
};

struct SecurityGroupModel {
  std::string id;
  uint16_t vpc = 0;
  std::vector<SgRuleModel> ingress, egress;
  std::string cache_key;  // the group as pushed (serialized): equal keys, equal rules
};

struct UnderlayModel {
  std::string port;  // a port of role UPLINK
  std::optional<Ipv4Addr> ipv4;
  std::optional<Ipv6Addr> ipv6;
  std::optional<MacAddr> mac;  // unset: the router's
  MacAddr next_hop_mac;
  uint16_t mtu = 1500;
  uint32_t max_mappings = 0;
  encap::TunnelType tunnel = encap::TunnelType::kVxlan;
  uint16_t udp_port = 0;
  encap::UdpChecksumMode checksum4 = encap::UdpChecksumMode::kZero;  // towards IPv4 peers
  encap::UdpChecksumMode checksum6 = encap::UdpChecksumMode::kSoftware;
};

// An address of another host's ENI (a full-length table entry).
struct MappingModel {
  uint16_t vpc = 0;
  encap::UnderlayIp ip;
  encap::UnderlayIp underlay_ip;
  MacAddr mac;
  std::vector<uint16_t> security_groups;  // indices; empty: its VPC's default group
};

struct OverlayRouteModel {
  uint16_t vpc = 0;
  encap::UnderlayIp prefix;  // canonical
  uint8_t prefix_len = 0;
  encap::UnderlayIp underlay_ip;
  MacAddr mac;  // the configured one, else the router's
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

struct IdsRulesetModel {
  std::string id;
  std::string text;    // the rules, parsed once to check them
  std::string digest;  // SHA-256 of the text: equal digests, one compiled database
};

inline constexpr uint16_t kNoIdsIndex = 0xffff;

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
  std::vector<uint16_t> security_groups;  // indices in Model::security_groups; empty: its VPC's default group
  ct::ZoneConfig conntrack;
  bool revalidate = false;
  uint16_t ids_ruleset = kNoIdsIndex;  // index in Model::ids_rulesets
  bool ids_prevent = false;
  EniAllowances limits;  // enis[].limits
  EniMetadataModel metadata;  // instance_id, metadata_options, user_data
  uint32_t syn_pps = 0, syn_burst = 0;  // limits.syn_pps/syn_burst (the XDP program's)
  std::vector<std::pair<Ipv4Addr, Ipv4Addr>> public_ipv4;  // (private, public): Elastic IPs
};

struct Model {
  uint64_t generation = 0;
  MacAddr router_mac;
  uint32_t conntrack_capacity = kDefaultConntrackCapacity;
  std::vector<PortModel> ports;  // in config order, as every list below
  std::vector<VpcModel> vpcs;
  std::vector<NaclModel> nacls;
  std::vector<SubnetModel> subnets;
  std::vector<EniModel> enis;
  acl::nacl::Limits nacl_limits;
  std::vector<PrefixListModel> prefix_lists;
  std::vector<SecurityGroupModel> security_groups;
  std::optional<UnderlayModel> underlay;
  std::vector<MappingModel> mappings;  // the valid ones (a model with problems is not compiled)
  std::vector<OverlayRouteModel> overlay_routes;
  std::vector<IdsRulesetModel> ids_rulesets;
  XdpModel xdp;  // xdp.block
  std::optional<InternetModel> internet;  // internet_gateway
  std::vector<std::vector<Ipv4Prefix>> vpc_cidrs4;  // per VPC: its IPv4 CIDRs
};

struct ModelBuild {
  Model model;
  std::vector<ConfigError> problems;  // empty: the model is complete and consistent
};

ModelBuild build_model(const config::v1::Config& config);

}  // namespace vfpath::control
