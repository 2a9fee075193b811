// The VPC overlay part of a configuration (underlay, VNIs, mappings, overlay
// routes): its defaults, its validation, and the canonical keys by which
// mappings and routes are matched (deltas, the mapping-table diff). Shared by
// model.cc, compile.cc, delta.cc and overlay_state.cc so that each rule
// lives in one place.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "packet/text_address.h"
#include "control/validate.h"
#include "control/vfpath.pb.h"
#include "encap/encap_template.h"

namespace vfpath::control {

inline constexpr uint32_t kDefaultUnderlayMtu = 1500;
inline constexpr uint32_t kMinUnderlayMtu = 576;   // RFC 791 every host's reassembly size
inline constexpr uint32_t kMaxUnderlayMtu = 9216;  // jumbo frames
inline constexpr uint32_t kDefaultMaxMappings = 65536;
inline constexpr uint32_t kMaxMappingsLimit = 1u << 22;
// VPCs that can have a key in the mapping table over the daemon's life at
// once (keys are reused one push after their VPC is gone).
inline constexpr uint16_t kMaxOverlayVpcs = 1024;

uint16_t underlay_mtu(const config::v1::Underlay& u);
uint32_t underlay_max_mappings(const config::v1::Underlay& u);
encap::TunnelType tunnel_type(const config::v1::Underlay& u);
uint16_t tunnel_udp_port(const config::v1::Underlay& u);
// The checksum mode of the template towards peers of one family (unspecified:
// zero over IPv4, software over IPv6).
encap::UdpChecksumMode udp_checksum_mode(const config::v1::Underlay& u, bool ipv6);

// An address of either family (mapping addresses, underlay peers).
std::optional<encap::UnderlayIp> parse_ip(const std::string& text);
std::string to_string(const encap::UnderlayIp& a);

// Canonical keys: (VPC id, address or prefix as printed), so that "fd00::1"
// and "fd00:0::1" are one mapping.
using OverlayKey = std::pair<std::string, std::string>;
std::optional<OverlayKey> mapping_key(const std::string& vpc, const std::string& ip);
std::optional<OverlayKey> route_key(const std::string& vpc, const std::string& prefix);

struct Model;  // model.h

// What build_model learnt from the rest of the configuration.
struct OverlayFacts {
  MacAddr router_mac;
  std::map<std::string, config::v1::PortRole> port_roles;
  std::map<std::string, std::vector<PrefixParse>> vpc_cidrs;  // the accepted CIDRs
  std::map<std::string, uint16_t> vpc_index;                  // VPC id -> index in the model
  std::map<std::string, std::string> group_vpc;               // security group id -> its VPC id
  std::map<std::string, uint16_t> group_index;                // security group id -> index in the model
  std::map<OverlayKey, std::string> local_addresses;  // (VPC, address) -> ENI id
  std::map<OverlayKey, std::string> gateways;         // (VPC, address) -> subnet id
};

// Builds the underlay, the VPCs' VNIs, the mappings and the overlay routes
// into `model` (its VPCs already there), appending every problem with its
// field path.
void build_overlay(const config::v1::Config& c, const OverlayFacts& facts, Model& model,
                   std::vector<ConfigError>& errors);

}  // namespace vfpath::control
