// Invalid configurations, each with the exact error it must produce, and the
// guarantee that a refused file yields no configuration at all.
#include "control/validate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "control/config_file.h"
#include "control/model.h"
#include "control/overlay_config.h"
#include "control/problem_text.h"
#include "packet/text_address.h"

namespace vfpath::control {
namespace {

const std::string kValid = R"({
  "generation": 3,
  "ports": [{"name": "p1", "devargs": "net_null0", "role": "ENI"},
            {"name": "p2", "devargs": "net_null1", "role": "ENI"},
            {"name": "up", "devargs": "net_null2", "role": "UPLINK"}],
  "vpcs": [{"id": "vpc-1", "cidrs": ["10.0.0.0/16", "fd00:10::/56"]}],
  "subnets": [{"id": "sn-1", "vpc": "vpc-1", "ipv4_cidr": "10.0.1.0/24", "ipv6_cidr": "fd00:10:0:1::/64"},
              {"id": "sn-2", "vpc": "vpc-1", "ipv4_cidr": "10.0.2.0/24", "network_acl": "acl-web"}],
  "network_acls": [{"id": "acl-web", "vpc": "vpc-1",
    "ingress": [{"rule_number": 100, "action": "ALLOW", "cidr": "10.0.0.0/16", "protocol": "tcp", "port_range": {"from": 80, "to": 80}},
                {"rule_number": 110, "action": "ALLOW", "cidr": "0.0.0.0/0", "protocol": "icmp", "icmp": {"type": 8, "code": -1}}],
    "egress": [{"rule_number": 100, "action": "ALLOW", "cidr": "10.0.0.0/16", "protocol": "tcp", "port_range": {"from": 1024, "to": 65535}}]}],
  "enis": [{"id": "e1", "port": "p1", "mac": "02:00:00:00:01:0a", "subnet": "sn-1", "ipv4": ["10.0.1.10"], "ipv6": ["fd00:10:0:1::10"]},
           {"id": "e2", "port": "p2", "mac": "02:00:00:00:02:0a", "subnet": "sn-2", "ipv4": ["10.0.2.10"]}]
})";

std::string replace(std::string s, const std::string& from, const std::string& to) {
  auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << "test setup: " << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

// kValid on the overlay: VNIs, an IPv4 underlay on port "up", a mapping per
// family, a default route.
const std::string kValidOverlay = [] {
  std::string s = replace(kValid, R"("vpcs": [{"id": "vpc-1", "cidrs": ["10.0.0.0/16", "fd00:10::/56"]}])",
                          R"("vpcs": [{"id": "vpc-1", "cidrs": ["10.0.0.0/16", "fd00:10::/56"], "vni": 100},
                                      {"id": "vpc-2", "cidrs": ["10.0.0.0/16"], "vni": 200},
                                      {"id": "vpc-3", "cidrs": ["10.0.0.0/16"]}])");
  s.resize(s.rfind('}'));
  return s + R"(,
  "underlay": {"port": "up", "ipv4": "192.168.100.1", "next_hop_mac": "02:00:00:00:ff:01"},
  "mappings": [{"vpc": "vpc-1", "ip": "10.0.3.10", "underlay_ip": "192.168.100.2", "mac": "02:00:00:00:03:0a"},
               {"vpc": "vpc-1", "ip": "fd00:10:0:3::10", "underlay_ip": "192.168.100.2", "mac": "02:00:00:00:03:0a"}],
  "overlay_routes": [{"vpc": "vpc-1", "prefix": "0.0.0.0/0", "underlay_ip": "192.168.100.9"}]
})";
}();

std::vector<std::string> problems(const std::string& json) {
  try {
    parse_config_json(json, "cfg.json");
    return {};
  } catch (const ConfigFileError& e) {
    return e.problems();
  }
}

struct Case {
  const char* proves;
  std::string json;
  std::string error;              // the exact problem
  std::vector<std::string> also = {};  // real further problems the change makes (dangling references)
};

std::vector<Case> cases() {
  const std::string& v = kValid;
  return {
      {"JSON syntax errors are reported by the parser", "{\"generation\": ", "Unexpected end of string. Expected a value."},
      {"an unknown field is refused, not ignored", replace(v, "\"generation\": 3", "\"generashun\": 3"), "generashun: Cannot find field."},
      {"no ports", replace(replace(replace(v, R"({"name": "p1", "devargs": "net_null0", "role": "ENI"},)", ""), R"({"name": "p2", "devargs": "net_null1", "role": "ENI"},)", ""), R"({"name": "up", "devargs": "net_null2", "role": "UPLINK"})", ""),
       "ports: at least one port is needed"},
      {"duplicate port name", replace(v, R"("name": "p2")", R"("name": "p1")"), "ports[1].name: \"p1\" is used by another port",
       {"enis[1].port: \"p2\" is not a configured port"}},
      {"empty devargs", replace(v, R"("devargs": "net_null0")", R"("devargs": "")"), "ports[0].devargs: is empty (a DPDK device, e.g. \"net_af_packet0,iface=veth0\")"},
      {"duplicate devargs", replace(v, R"("devargs": "net_null1")", R"("devargs": "net_null0")"), "ports[1].devargs: \"net_null0\" is used by another port"},
      {"port without a role", replace(v, R"(, "role": "UPLINK")", ""), "ports[2].role: must be ENI or UPLINK"},
      {"router MAC not a MAC", replace(v, "\"generation\": 3,", "\"generation\": 3, \"router\": {\"mac\": \"02:00:00\"},"), "router.mac: \"02:00:00\" is not a MAC address (aa:bb:cc:dd:ee:ff)"},
      {"router MAC multicast", replace(v, "\"generation\": 3,", "\"generation\": 3, \"router\": {\"mac\": \"01:00:5e:00:00:01\"},"), "router.mac: \"01:00:5e:00:00:01\" is a multicast MAC"},
      {"duplicate VPC id", replace(v, R"("vpcs": [{"id": "vpc-1", "cidrs": ["10.0.0.0/16", "fd00:10::/56"]}])", R"("vpcs": [{"id": "vpc-1", "cidrs": ["10.0.0.0/16", "fd00:10::/56"]}, {"id": "vpc-1", "cidrs": ["10.1.0.0/16"]}])"), "vpcs[1].id: \"vpc-1\" is used by another VPC"},
      {"VPC CIDR with host bits", replace(v, "10.0.0.0/16", "10.0.0.1/16"), "vpcs[0].cidrs[0]: \"10.0.0.1/16\" has host bits set past the prefix length"},
      {"VPC CIDR not a CIDR", replace(v, "10.0.0.0/16", "10.0.0.0/33"), "vpcs[0].cidrs[0]: \"10.0.0.0/33\" is not a CIDR (e.g. 10.0.0.0/16 or fd00::/56)"},
      {"VPC without CIDRs", replace(v, R"("cidrs": ["10.0.0.0/16", "fd00:10::/56"])", R"("cidrs": [])"), "vpcs[0].cidrs: at least one CIDR is needed"},
      {"subnet of an unknown VPC", replace(v, R"("id": "sn-2", "vpc": "vpc-1")", R"("id": "sn-2", "vpc": "vpc-9")"), "subnets[1].vpc: \"vpc-9\" is not a configured VPC"},
      {"subnet outside its VPC", replace(v, "10.0.2.0/24", "10.9.2.0/24"), "subnets[1].ipv4_cidr: \"10.9.2.0/24\" is not inside a CIDR of VPC \"vpc-1\""},
      {"overlapping subnets", replace(v, "10.0.2.0/24", "10.0.1.128/25"), "subnets[1].ipv4_cidr: \"10.0.1.128/25\" overlaps subnet \"sn-1\""},
      {"IPv4 CIDR given as the IPv6 one", replace(v, "fd00:10:0:1::/64", "10.0.5.0/24"), "subnets[0].ipv6_cidr: \"10.0.5.0/24\" is not IPv6"},
      {"subnet without any CIDR", replace(v, R"(, "ipv4_cidr": "10.0.2.0/24")", ""), "subnets[1]: needs ipv4_cidr, ipv6_cidr or both"},
      {"gateway outside the subnet", replace(v, R"("ipv4_cidr": "10.0.2.0/24")", R"("ipv4_cidr": "10.0.2.0/24", "gateway_ipv4": "10.0.3.1")"), "subnets[1].gateway_ipv4: \"10.0.3.1\" is not inside \"10.0.2.0/24\""},
      {"IPv6 gateway without an IPv6 CIDR", replace(v, R"("ipv4_cidr": "10.0.2.0/24")", R"("ipv4_cidr": "10.0.2.0/24", "gateway_ipv6": "fd00::1")"), "subnets[1].gateway_ipv6: is set but the subnet has no ipv6_cidr"},
      {"duplicate subnet id", replace(v, R"("id": "sn-2")", R"("id": "sn-1")"), "subnets[1].id: \"sn-1\" is used by another subnet",
       {"enis[1].subnet: \"sn-2\" is not a configured subnet"}},
      {"duplicate ENI id", replace(v, R"("id": "e2")", R"("id": "e1")"), "enis[1].id: \"e1\" is used by another ENI"},
      {"ENI on an unknown port", replace(v, R"("port": "p2")", R"("port": "p7")"), "enis[1].port: \"p7\" is not a configured port"},
      {"ENI on an uplink port", replace(v, R"("port": "p2")", R"("port": "up")"), "enis[1].port: \"up\" is not a port with role ENI"},
      {"ENI MAC not a MAC", replace(v, "02:00:00:00:02:0a", "02:00:00:00:02:0g"), "enis[1].mac: \"02:00:00:00:02:0g\" is not a MAC address (aa:bb:cc:dd:ee:ff)"},
      {"ENI with the router's MAC", replace(v, "02:00:00:00:02:0a", "02:76:66:70:00:01"), "enis[1].mac: \"02:76:66:70:00:01\" is the router's MAC"},
      {"two ENIs with one MAC on one port", replace(replace(v, R"("port": "p2")", R"("port": "p1")"), "02:00:00:00:02:0a", "02:00:00:00:01:0a"), "enis[1].mac: \"02:00:00:00:01:0a\" is already an ENI on port \"p1\""},
      {"VLAN out of range", replace(v, R"("id": "e2",)", R"("id": "e2", "vlan": 4095,)"), "enis[1].vlan: 4095 is not a VLAN id (0..4094)"},
      {"ENI in an unknown subnet", replace(v, R"("subnet": "sn-2")", R"("subnet": "sn-9")"), "enis[1].subnet: \"sn-9\" is not a configured subnet"},
      {"ENI without addresses", replace(v, R"(, "ipv4": ["10.0.2.10"])", ""), "enis[1]: needs at least one IPv4 or IPv6 address"},
      {"ENI address not an address", replace(v, "\"10.0.2.10\"", "\"10.0.2.300\""), "enis[1].ipv4[0]: \"10.0.2.300\" is not an IPv4 address"},
      {"ENI address outside its subnet", replace(v, "\"10.0.2.10\"", "\"10.0.1.11\""), "enis[1].ipv4[0]: \"10.0.1.11\" is not inside subnet \"sn-2\" (10.0.2.0/24)"},
      {"ENI on the gateway address", replace(v, "\"10.0.2.10\"", "\"10.0.2.1\""), "enis[1].ipv4[0]: \"10.0.2.1\" is the subnet's gateway"},
      {"ENI on the broadcast address", replace(v, "\"10.0.2.10\"", "\"10.0.2.255\""), "enis[1].ipv4[0]: \"10.0.2.255\" is the subnet's network or broadcast address"},
      {"one address on two ENIs", replace(replace(v, R"("subnet": "sn-2")", R"("subnet": "sn-1")"), "\"10.0.2.10\"", "\"10.0.1.10\""), "enis[1].ipv4[0]: \"10.0.1.10\" already belongs to ENI \"e1\" in VPC \"vpc-1\""},
      {"IPv6 address on a subnet without IPv6", replace(v, R"("ipv4": ["10.0.2.10"])", R"("ipv4": ["10.0.2.10"], "ipv6": ["fd00:10:0:2::5"])"), "enis[1].ipv6[0]: subnet \"sn-2\" has no IPv6 CIDR"},
      // --- network ACLs ---
      {"NACL id used twice", replace(v, R"("network_acls": [{"id": "acl-web", "vpc": "vpc-1",)", R"("network_acls": [{"id": "acl-web", "vpc": "vpc-1"}, {"id": "acl-web", "vpc": "vpc-1",)"), "network_acls[1].id: \"acl-web\" is used by another network ACL"},
      {"NACL of an unknown VPC", replace(v, R"({"id": "acl-web", "vpc": "vpc-1")", R"({"id": "acl-web", "vpc": "vpc-7")"), "network_acls[0].vpc: \"vpc-7\" is not a configured VPC"},
      {"subnet naming an unknown NACL", replace(v, R"("network_acl": "acl-web")", R"("network_acl": "acl-nope")"), "subnets[1].network_acl: \"acl-nope\" is not a configured network ACL"},
      {"NACL entry without an action", replace(v, R"("rule_number": 110, "action": "ALLOW",)", R"("rule_number": 110,)"), "network_acls[0].ingress[1].action: must be ALLOW or DENY"},
      {"duplicate NACL rule number", replace(v, R"("rule_number": 110)", R"("rule_number": 100)"), "network_acls[0].ingress[1]: rule number 100 already exists"},
      {"NACL rule number out of range", replace(v, R"("rule_number": 110)", R"("rule_number": 32767)"), "network_acls[0].ingress[1]: rule number 32767 is outside 1..32766"},
      {"NACL CIDR with host bits", replace(v, R"("cidr": "10.0.0.0/16", "protocol": "tcp", "port_range": {"from": 80)", R"("cidr": "10.0.0.1/16", "protocol": "tcp", "port_range": {"from": 80)"), "network_acls[0].ingress[0]: rule 100: '10.0.0.1/16' has host bits set past /16 (canonical form is 10.0.0.0/16)"},
      {"NACL CIDR not a CIDR", replace(v, R"("cidr": "0.0.0.0/0")", R"("cidr": "0.0.0.0/99")"), "network_acls[0].ingress[1]: rule 110: '0.0.0.0/99' has a bad prefix length (want 0..32)"},
      {"NACL port range reversed", replace(v, R"({"from": 1024, "to": 65535})", R"({"from": 65535, "to": 1024})"), "network_acls[0].egress[0]: rule 100: port range 65535-1024 is reversed"},
      {"NACL port beyond 65535", replace(v, R"({"from": 1024, "to": 65535})", R"({"from": 1024, "to": 65536})"), "network_acls[0].egress[0]: rule 100: port 65536 is out of range (0..65535, or -1/-1 for all)"},
      {"NACL protocol out of range", replace(v, R"("protocol": "icmp")", R"("protocol": "256")"), "network_acls[0].ingress[1]: rule 110: protocol '256' is not -1/all, tcp, udp, icmp, icmpv6 or 0..255"},
      {"NACL ICMP type out of range", replace(v, R"("type": 8)", R"("type": 300)"), "network_acls[0].ingress[1]: rule 110: ICMP type 300 is out of range (-1 = any, 0..255)"},
      // --- the overlay ---
      {"underlay on an ENI port", replace(kValidOverlay, R"("port": "up", "ipv4")", R"("port": "p1", "ipv4")"), "underlay.port: \"p1\" is not a port with role UPLINK"},
      {"underlay on an unknown port", replace(kValidOverlay, R"("port": "up", "ipv4")", R"("port": "up9", "ipv4")"), "underlay.port: \"up9\" is not a configured port"},
      {"underlay without an address", replace(kValidOverlay, R"("ipv4": "192.168.100.1", )", ""), "underlay: needs ipv4, ipv6 or both (our underlay address)"},
      {"underlay address not an address", replace(kValidOverlay, R"("ipv4": "192.168.100.1")", R"("ipv4": "192.168.100")"), "underlay.ipv4: \"192.168.100\" is not an IPv4 address"},
      {"underlay next hop MAC multicast", replace(kValidOverlay, "02:00:00:00:ff:01", "03:00:00:00:ff:01"), "underlay.next_hop_mac: \"03:00:00:00:ff:01\" is a multicast MAC"},
      {"underlay MTU out of range", replace(kValidOverlay, R"("next_hop_mac": "02:00:00:00:ff:01")", R"("next_hop_mac": "02:00:00:00:ff:01", "mtu": 10000)"), "underlay.mtu: 10000 is outside 576..9216"},
      {"underlay MTU too small for a VPC with IPv6", replace(kValidOverlay, R"("next_hop_mac": "02:00:00:00:ff:01")", R"("next_hop_mac": "02:00:00:00:ff:01", "mtu": 1300)"), "underlay.mtu: 1300 leaves 1250 bytes for inner packets, below the 1280 IPv6 needs (VPC \"vpc-1\" has IPv6): at least 1330"},
      {"zero UDP checksum with an IPv6 underlay", replace(kValidOverlay, R"("ipv4": "192.168.100.1")", R"("ipv4": "192.168.100.1", "ipv6": "fd00:ff::1", "udp_checksum": "ZERO")"), "underlay.udp_checksum: ZERO is not allowed with an IPv6 underlay (RFC 6935): use SOFTWARE or OFFLOAD"},
      {"duplicate VNI", replace(kValidOverlay, R"("vni": 200)", R"("vni": 100)"), "vpcs[1].vni: 100 is already the VNI of VPC \"vpc-1\""},
      {"VNI over 24 bits", replace(kValidOverlay, R"("vni": 200)", R"("vni": 16777216)"), "vpcs[1].vni: 16777216 is not a VNI (1..16777215)"},
      {"DNS server not an address", replace(kValid, R"("cidrs": ["10.0.0.0/16", "fd00:10::/56"])", R"("cidrs": ["10.0.0.0/16", "fd00:10::/56"], "dhcp_options": {"domain_name_servers": ["10.0.0.53", "fd00::53::1"]})"), "vpcs[0].dhcp_options.domain_name_servers[1]: \"fd00::53::1\" is not an IPv4 or IPv6 address"},
      {"XDP host pass on a port that is not net_af_xdp", replace(v, R"({"name": "p1", "devargs": "net_null0", "role": "ENI"})", R"({"name": "p1", "devargs": "net_null0", "role": "ENI", "xdp_host_pass": true})"), "ports[0].xdp_host_pass: is for net_af_xdp ports (the XDP program decides it); \"net_null0\" is not one"},
      {"an XDP block list without an AF_XDP port", replace(v, "\"generation\": 3,", "\"generation\": 3, \"xdp\": {\"block\": [\"203.0.113.0/24\"]},"), "xdp.block: no port is net_af_xdp: nothing would apply the block list"},
      {"a SYN allowance on a port without the XDP program", replace(v, R"("id": "e2",)", R"("id": "e2", "limits": {"syn_pps": 100},)"), "enis[1].limits.syn_pps: is enforced by the XDP program of a net_af_xdp port; port \"p2\" is not one"},
      {"a blocked prefix with host bits", replace(replace(v, R"("devargs": "net_null0")", R"("devargs": "net_af_xdp0,iface=veth0")"), "\"generation\": 3,", "\"generation\": 3, \"xdp\": {\"block\": [\"203.0.113.1/24\"]},"), "xdp.block[0]: '203.0.113.1/24' has host bits set past /24 (canonical form is 203.0.113.0/24)"},
      {"a blocked prefix that is none", replace(replace(v, R"("devargs": "net_null0")", R"("devargs": "net_af_xdp0,iface=veth0")"), "\"generation\": 3,", "\"generation\": 3, \"xdp\": {\"block\": [\"evil.example\"]},"), "xdp.block[0]: 'evil.example' is not a CIDR: 'evil.example' is not an IPv4 address"},
      {"DHCP domain with an empty label", replace(kValid, R"("cidrs": ["10.0.0.0/16", "fd00:10::/56"])", R"("cidrs": ["10.0.0.0/16", "fd00:10::/56"], "dhcp_options": {"domain_name": "corp..example"})"), "vpcs[0].dhcp_options.domain_name: \"corp..example\" has an empty label or one over 63 bytes"},
      {"a VNI without an underlay", replace(kValid, R"("cidrs": ["10.0.0.0/16", "fd00:10::/56"])", R"("cidrs": ["10.0.0.0/16", "fd00:10::/56"], "vni": 7)"), "vpcs[0].vni: is set but the configuration has no underlay"},
      {"mapping of an unknown VPC", replace(kValidOverlay, R"({"vpc": "vpc-1", "ip": "10.0.3.10")", R"({"vpc": "vpc-9", "ip": "10.0.3.10")"), "mappings[0].vpc: \"vpc-9\" is not a configured VPC"},
      {"mapping in a VPC without VNI", replace(kValidOverlay, R"({"vpc": "vpc-1", "ip": "10.0.3.10")", R"({"vpc": "vpc-3", "ip": "10.0.3.10")"), "mappings[0].vpc: VPC \"vpc-3\" has no VNI (it is not on the overlay)"},
      {"mapping outside the VPC CIDRs", replace(kValidOverlay, R"("ip": "10.0.3.10")", R"("ip": "10.9.3.10")"), "mappings[0].ip: \"10.9.3.10\" is not inside a CIDR of VPC \"vpc-1\""},
      {"mapping of a local ENI's address", replace(kValidOverlay, R"("ip": "10.0.3.10")", R"("ip": "10.0.1.10")"), "mappings[0].ip: \"10.0.1.10\" is the address of local ENI \"e1\" (a local address is delivered here, never mapped)"},
      {"mapping of a subnet gateway", replace(kValidOverlay, R"("ip": "10.0.3.10")", R"("ip": "10.0.2.1")"), "mappings[0].ip: \"10.0.2.1\" is the gateway of subnet \"sn-2\" (the router's own)"},
      {"the same address mapped twice", replace(kValidOverlay, R"("ip": "fd00:10:0:3::10")", R"("ip": "10.0.3.10")"), "mappings[1].ip: \"10.0.3.10\" in VPC \"vpc-1\" is already mapped by mappings[0]"},
      {"mapping with a bad underlay address", replace(kValidOverlay, R"("underlay_ip": "192.168.100.2", "mac": "02:00:00:00:03:0a"},)", R"("underlay_ip": "192.168.100", "mac": "02:00:00:00:03:0a"},)"), "mappings[0].underlay_ip: \"192.168.100\" is not an IPv4 or IPv6 address"},
      {"mapping to an IPv6 host without an IPv6 underlay", replace(kValidOverlay, R"("underlay_ip": "192.168.100.2", "mac": "02:00:00:00:03:0a"},)", R"("underlay_ip": "fd00:ff::2", "mac": "02:00:00:00:03:0a"},)"), "mappings[0].underlay_ip: \"fd00:ff::2\" is IPv6 but the underlay has no ipv6 address"},
      {"mapping to our own underlay address", replace(kValidOverlay, R"("underlay_ip": "192.168.100.2", "mac": "02:00:00:00:03:0a"},)", R"("underlay_ip": "192.168.100.1", "mac": "02:00:00:00:03:0a"},)"), "mappings[0].underlay_ip: \"192.168.100.1\" is this appliance's own underlay address (local ENIs need no mapping)"},
      {"mapping with a bad MAC", replace(kValidOverlay, R"("mac": "02:00:00:00:03:0a"},)", R"("mac": "02:00:00:00:03"},)"), "mappings[0].mac: \"02:00:00:00:03\" is not a MAC address (aa:bb:cc:dd:ee:ff)"},
      {"overlay route with host bits", replace(kValidOverlay, R"("prefix": "0.0.0.0/0")", R"("prefix": "10.0.3.1/24")"), "overlay_routes[0].prefix: \"10.0.3.1/24\" has host bits set past the prefix length"},
      {"a host route that is also a mapping", replace(kValidOverlay, R"("prefix": "0.0.0.0/0")", R"("prefix": "10.0.3.10/32")"), "overlay_routes[0].prefix: \"10.0.3.10/32\" is the address of mappings[0]: one of the two"},
      {"more mappings than the table holds", replace(kValidOverlay, R"("next_hop_mac": "02:00:00:00:ff:01")", R"("next_hop_mac": "02:00:00:00:ff:01", "max_mappings": 2)"), "mappings: 3 mappings and overlay routes, more than underlay.max_mappings (2)"},
      {"more NACL entries than the limit", replace(v, "\"generation\": 3,", "\"generation\": 3, \"limits\": {\"nacl_rules_per_direction\": 1},"), "network_acls[0].ingress[1]: rule 110: would exceed the limit of 1 IPv4 rules per direction"},
      {"entries far over the limit: the first named, the rest counted in one line",
       replace(replace(v, "\"generation\": 3,", "\"generation\": 3, \"limits\": {\"nacl_rules_per_direction\": 1},"),
               R"("icmp": {"type": 8, "code": -1}}],)",
               R"("icmp": {"type": 8, "code": -1}}, {"rule_number": 120, "action": "DENY", "cidr": "10.9.0.0/16"}],)"),
       "network_acls[0].ingress[1]: rule 110: would exceed the limit of 1 IPv4 rules per direction",
       {"network_acls[0].ingress: 2 entries over the limit of 1 per family (limits.nacl_rules_per_direction raises it)"}},
  };
}

// The model of the valid configuration: every reference resolved to the
// index of what it names, addresses and prefixes as values, defaults filled.
TEST(ConfigModel, ResolvesReferencesAndParsesValuesOnce) {
  const config::v1::Config c = parse_config_json(kValid, "cfg.json");
  const ModelBuild b = build_model(c);
  ASSERT_TRUE(b.problems.empty());
  const Model& m = b.model;
  EXPECT_EQ(m.generation, 3u);
  EXPECT_EQ(m.router_mac, *parse_mac(kDefaultRouterMac));
  EXPECT_EQ(m.conntrack_capacity, kDefaultConntrackCapacity);
  ASSERT_EQ(m.ports.size(), 3u);
  EXPECT_FALSE(m.ports[0].uplink);
  EXPECT_TRUE(m.ports[2].uplink);
  ASSERT_EQ(m.subnets.size(), 2u);
  EXPECT_EQ(m.subnets[0].vpc, 0);
  EXPECT_EQ(m.subnets[0].nacl, kNoNaclIndex);
  EXPECT_EQ(m.subnets[1].nacl, 0);  // acl-web, network_acls[0]
  ASSERT_TRUE(m.subnets[0].cidr4 && m.subnets[0].cidr6);
  EXPECT_FALSE(m.subnets[1].cidr6);
  EXPECT_EQ(to_string(m.subnets[0].gateway4), "10.0.1.1");  // the first host: the VPC router (AWS)
  EXPECT_EQ(to_string(m.subnets[0].gateway6), "fd00:10:0:1::1");
  ASSERT_EQ(m.nacls.size(), 1u);
  EXPECT_EQ(m.nacls[0].id, "acl-web");
  ASSERT_EQ(m.enis.size(), 2u);
  EXPECT_EQ(m.enis[1].subnet, 1);
  EXPECT_EQ(m.enis[1].port, "p2");
  EXPECT_EQ(to_string(m.enis[0].mac), "02:00:00:00:01:0a");
  ASSERT_EQ(m.enis[0].ipv4.size(), 1u);
  EXPECT_EQ(to_string(m.enis[0].ipv4[0]), "10.0.1.10");
  ASSERT_EQ(m.enis[0].ipv6.size(), 1u);
  EXPECT_TRUE(m.enis[0].source_dest_check);
}

TEST(ConfigModel, AConfiguredGatewayIsTheSubnetsGateway) {
  const config::v1::Config c = parse_config_json(
      replace(kValid, R"("ipv4_cidr": "10.0.2.0/24")", R"("ipv4_cidr": "10.0.2.0/24", "gateway_ipv4": "10.0.2.254")"), "cfg.json");
  const ModelBuild b = build_model(c);
  ASSERT_TRUE(b.problems.empty());
  EXPECT_EQ(to_string(b.model.subnets[1].gateway4), "10.0.2.254");
}

TEST(ConfigValidation, TheValidConfigHasNoProblems) {
  EXPECT_TRUE(problems(kValid).empty());
  auto p = problems(kValidOverlay);
  EXPECT_TRUE(p.empty()) << p.front();
}

TEST(ConfigValidation, EachInvalidConfigGetsItsExactError) {
  auto all = cases();
  ASSERT_FALSE(all.empty());
  for (const Case& c : all) {
    SCOPED_TRACE(c.proves);
    ASSERT_FALSE(c.error.empty()) << "a case must say which error it expects";
    // One mistake, one problem: its exact message, and none of its
    // consequences (a refused field is left out of the checks after it).
    std::vector<std::string> want{c.error};
    want.insert(want.end(), c.also.begin(), c.also.end());
    EXPECT_EQ(problems(c.json), want);
  }
}

// Security groups, prefix lists and per-ENI conntrack settings.
const std::string kWithGroups = replace(kValid, R"(  "enis": [)", R"(  "prefix_lists": [{"id": "pl-office", "cidrs": ["192.0.2.0/24", "2001:db8::/32"], "max_entries": 5}],
  "security_groups": [
    {"id": "sg-web", "vpc": "vpc-1",
     "ingress": [{"protocol": "tcp", "port_range": {"from": 80, "to": 80}, "cidrs": ["10.0.0.0/16"], "prefix_lists": ["pl-office"]},
                 {"protocol": "icmp", "icmp": {"type": 8, "code": -1}, "security_groups": ["sg-admin"]}],
     "egress": [{"protocol": "all", "cidrs": ["0.0.0.0/0"]}]},
    {"id": "sg-admin", "vpc": "vpc-1", "egress": [{"protocol": "tcp", "port_range": {"from": 22, "to": 22}, "cidrs": ["10.0.0.0/16"]}]}],
  "enis": [)");

std::string with_e2(const std::string& extra) {
  return replace(kWithGroups, R"("subnet": "sn-2", "ipv4": ["10.0.2.10"])", R"("subnet": "sn-2", "ipv4": ["10.0.2.10"])" + extra);
}

std::vector<Case> security_group_cases() {
  const std::string& v = kWithGroups;
  return {
      {"duplicate group id", replace(v, R"("id": "sg-admin")", R"("id": "sg-web")"), "security_groups[1].id: \"sg-web\" is used by another security group",
       {"security_groups[0].ingress[1].security_groups[0]: \"sg-admin\" is not a configured security group"}},
      {"group id in the reserved default: namespace", replace(v, R"("id": "sg-admin")", R"("id": "default:vpc-1")"),
       "security_groups[1].id: \"default:vpc-1\": \"default:\" names the implicit default groups",
       {"security_groups[0].ingress[1].security_groups[0]: \"sg-admin\" is not a configured security group"}},
      {"group of an unknown VPC", replace(v, R"("id": "sg-admin", "vpc": "vpc-1")", R"("id": "sg-admin", "vpc": "vpc-7")"), "security_groups[1].vpc: \"vpc-7\" is not a configured VPC"},
      {"rule without peers", replace(v, R"("cidrs": ["0.0.0.0/0"]}])", R"("cidrs": []}])"),
       "security_groups[0].egress[0]: needs at least one peer (cidrs, prefix_lists or security_groups)"},
      {"rule with an unknown protocol", replace(v, R"("protocol": "all")", R"("protocol": "sctpx")"), "security_groups[0].egress[0]: protocol 'sctpx' is not -1/all, tcp, udp, icmp, icmpv6 or 0..255"},
      {"rule with a reversed port range", replace(v, R"({"from": 22, "to": 22})", R"({"from": 22, "to": 21})"), "security_groups[1].egress[0]: port range 22-21 is reversed"},
      {"peer CIDR with host bits", replace(v, R"("cidrs": ["10.0.0.0/16"], "prefix_lists")", R"("cidrs": ["10.0.0.1/16"], "prefix_lists")"),
       "security_groups[0].ingress[0].cidrs[0]: \"10.0.0.1/16\" has host bits set past the prefix length"},
      {"unknown prefix list", replace(v, R"("prefix_lists": ["pl-office"])", R"("prefix_lists": ["pl-nope"])"), "security_groups[0].ingress[0].prefix_lists[0]: \"pl-nope\" is not a configured prefix list"},
      {"unknown peer group", replace(v, R"("security_groups": ["sg-admin"])", R"("security_groups": ["sg-nope"])"), "security_groups[0].ingress[1].security_groups[0]: \"sg-nope\" is not a configured security group"},
      {"more rules than the quota (a prefix list counts its max_entries)",
       replace(v, "\"generation\": 3,", "\"generation\": 3, \"limits\": {\"sg_rules_per_direction\": 6},"),
       "security_groups[0].ingress: 7 ingress rules (one per peer, a prefix list counting its max_entries) exceed the limit of 6 per security group"},
      {"prefix list with more entries than its max_entries", replace(v, R"("max_entries": 5)", R"("max_entries": 1)"), "prefix_lists[0].cidrs: 2 entries exceed its max_entries 1"},
      {"prefix list over the quota", replace(v, R"("max_entries": 5)", R"("max_entries": 5000)"), "prefix_lists[0].max_entries: 5000 entries exceed the limit of 1000 per prefix list"},
      {"ENI names an unknown group", with_e2(R"(, "security_groups": ["sg-x"])"), "enis[1].security_groups[0]: \"sg-x\" is not a configured security group"},
      {"ENI names a group twice", with_e2(R"(, "security_groups": ["sg-web", "sg-web"])"), "enis[1].security_groups[1]: \"sg-web\" is listed twice"},
      {"ENI in more groups than the quota", replace(with_e2(R"(, "security_groups": ["sg-web", "sg-admin"])"), "\"generation\": 3,", "\"generation\": 3, \"limits\": {\"security_groups_per_eni\": 1},"),
       "enis[1].security_groups: 2 groups exceed the limit of 1 per ENI"},
      {"TCP established timeout out of the AWS range", with_e2(R"(, "conntrack": {"tcp_established_timeout": 30})"), "enis[1].conntrack.tcp_established_timeout: 30 s is outside 60..432000 s"},
      {"UDP timeout out of range", with_e2(R"(, "conntrack": {"udp_timeout": 90})"), "enis[1].conntrack.udp_timeout: 90 s is outside 30..60 s"},
      {"UDP stream timeout out of range", with_e2(R"(, "conntrack": {"udp_stream_timeout": 400})"), "enis[1].conntrack.udp_stream_timeout: 400 s is outside 60..180 s"},
      {"conntrack capacity too small", replace(v, "\"generation\": 3,", "\"generation\": 3, \"conntrack\": {\"capacity\": 10},"), "conntrack.capacity: 10 is outside 1024..67108864 connections"},
      {"a pps allowance over the limit", with_e2(R"(, "limits": {"pps": 200000000})"), "enis[1].limits.pps: 200000000 is over 100000000"},
      {"a bandwidth a 32-bit byte bucket cannot hold", with_e2(R"(, "limits": {"bandwidth_in_mbps": 40000})"), "enis[1].limits.bandwidth_in_mbps: 40000 is over 32000 Mbps"},
      {"a burst without its rate", with_e2(R"(, "limits": {"pps_burst": 100})"), "enis[1].limits.pps_burst: needs pps"},
      {"a bandwidth burst a jumbo frame cannot pass", with_e2(R"(, "limits": {"bandwidth_in_mbps": 10, "bandwidth_burst_kb": 4})"), "enis[1].limits.bandwidth_burst_kb: 4 KB is under 16 KB: a jumbo frame would never pass"},
      {"a bandwidth burst without a bandwidth", with_e2(R"(, "limits": {"pps": 10, "bandwidth_burst_kb": 100})"), "enis[1].limits.bandwidth_burst_kb: needs bandwidth_in_mbps or bandwidth_out_mbps"},
  };
}

TEST(ConfigValidation, TheValidConfigWithGroupsHasNoProblems) {
  EXPECT_TRUE(problems(kWithGroups).empty());
  EXPECT_TRUE(problems(with_e2(R"(, "security_groups": ["sg-web", "sg-admin"], "conntrack": {"allowance": 100, "tcp_liberal": true, "revalidate": true})")).empty());
  EXPECT_TRUE(problems(with_e2(R"(, "limits": {"pps": 100000, "pps_burst": 5000, "bandwidth_in_mbps": 1000, "bandwidth_out_mbps": 500, "bandwidth_burst_kb": 256})")).empty());
}

TEST(ConfigValidation, EachInvalidSecurityGroupConfigGetsItsExactError) {
  auto all = security_group_cases();
  ASSERT_FALSE(all.empty());
  for (const Case& c : all) {
    SCOPED_TRACE(c.proves);
    std::vector<std::string> want{c.error};
    want.insert(want.end(), c.also.begin(), c.also.end());
    EXPECT_EQ(problems(c.json), want);
  }
}

// Groups and prefix lists typed: every peer a value or an index, each ENI's
// groups by index, an ENI without groups left empty (its VPC's default).
TEST(ConfigModel, SecurityGroupsAndPrefixListsAreTyped) {
  const ModelBuild b = build_model(parse_config_json(with_e2(R"(, "security_groups": ["sg-admin", "sg-web"])"), "cfg.json"));
  ASSERT_TRUE(b.problems.empty());
  const Model& m = b.model;
  ASSERT_EQ(m.prefix_lists.size(), 1u);
  EXPECT_EQ(m.prefix_lists[0].id, "pl-office");
  ASSERT_EQ(m.prefix_lists[0].cidrs.size(), 2u);
  EXPECT_EQ(acl::to_string(m.prefix_lists[0].cidrs[0]), "192.0.2.0/24");
  EXPECT_EQ(acl::to_string(m.prefix_lists[0].cidrs[1]), "2001:db8::/32");

  ASSERT_EQ(m.security_groups.size(), 2u);
  const SecurityGroupModel& web = m.security_groups[0];
  EXPECT_EQ(web.id, "sg-web");
  EXPECT_EQ(web.vpc, 0);
  ASSERT_EQ(web.ingress.size(), 2u);
  const SgRuleModel& http = web.ingress[0];
  EXPECT_EQ(http.match.protocol, 6);
  EXPECT_EQ(http.match.ports, (acl::PortRange{80, 80}));
  ASSERT_EQ(http.cidrs.size(), 1u);
  EXPECT_EQ(acl::to_string(http.cidrs[0]), "10.0.0.0/16");
  EXPECT_EQ(http.cidr_text, std::vector<std::string>{"10.0.0.0/16"});
  EXPECT_EQ(http.prefix_lists, std::vector<uint16_t>{0});
  EXPECT_TRUE(http.groups.empty());
  const SgRuleModel& ping = web.ingress[1];
  EXPECT_EQ(ping.match.protocol, 1);
  EXPECT_EQ(ping.match.icmp_type, 8);
  EXPECT_EQ(ping.match.icmp_code, -1);
  EXPECT_TRUE(ping.cidrs.empty());
  EXPECT_EQ(ping.groups, std::vector<uint16_t>{1});  // sg-admin, declared after the group that names it
  ASSERT_EQ(web.egress.size(), 1u);
  EXPECT_EQ(web.egress[0].match.protocol, acl::nacl::kAnyProtocol);
  const SecurityGroupModel& admin = m.security_groups[1];
  EXPECT_TRUE(admin.ingress.empty());
  ASSERT_EQ(admin.egress.size(), 1u);
  EXPECT_EQ(admin.egress[0].match.ports, (acl::PortRange{22, 22}));
  EXPECT_NE(web.cache_key, admin.cache_key);

  EXPECT_TRUE(m.enis[0].security_groups.empty());
  EXPECT_EQ(m.enis[1].security_groups, (std::vector<uint16_t>{1, 0}));  // in the ENI's order
}

// The same group pushed twice has the same cache key; a changed rule does not.
TEST(ConfigModel, AGroupsCacheKeyFollowsItsRules) {
  const Model a = build_model(parse_config_json(kWithGroups, "cfg.json")).model;
  const Model same = build_model(parse_config_json(kWithGroups, "cfg.json")).model;
  const Model changed = build_model(parse_config_json(replace(kWithGroups, R"({"from": 22, "to": 22})", R"({"from": 22, "to": 23})"), "cfg.json")).model;
  ASSERT_EQ(a.security_groups.size(), 2u);
  ASSERT_EQ(changed.security_groups.size(), 2u);
  EXPECT_EQ(a.security_groups[1].cache_key, same.security_groups[1].cache_key);
  EXPECT_NE(a.security_groups[1].cache_key, changed.security_groups[1].cache_key);
  EXPECT_EQ(a.security_groups[0].cache_key, changed.security_groups[0].cache_key);
}

// The overlay typed: VNIs, the underlay with its defaults (VXLAN on 4789,
// no UDP checksum towards IPv4 peers, computed towards IPv6 ones), mappings
// and routes as addresses, a route without MAC taking the router's.
TEST(ConfigModel, TheOverlayIsTypedWithItsDefaults) {
  const ModelBuild b = build_model(parse_config_json(kValidOverlay, "cfg.json"));
  ASSERT_TRUE(b.problems.empty());
  const Model& m = b.model;
  ASSERT_EQ(m.vpcs.size(), 3u);
  EXPECT_EQ(m.vpcs[0].vni, 100u);
  EXPECT_EQ(m.vpcs[1].vni, 200u);
  EXPECT_EQ(m.vpcs[2].vni, 0u);  // not on the overlay
  ASSERT_TRUE(m.underlay);
  const UnderlayModel& u = *m.underlay;
  EXPECT_EQ(u.port, "up");
  ASSERT_TRUE(u.ipv4);
  EXPECT_EQ(to_string(*u.ipv4), "192.168.100.1");
  EXPECT_FALSE(u.ipv6);
  EXPECT_FALSE(u.mac);
  EXPECT_EQ(to_string(u.next_hop_mac), "02:00:00:00:ff:01");
  EXPECT_EQ(u.mtu, 1500);
  EXPECT_EQ(u.max_mappings, kDefaultMaxMappings);
  EXPECT_EQ(u.tunnel, encap::TunnelType::kVxlan);
  EXPECT_EQ(u.udp_port, 4789);
  EXPECT_EQ(u.checksum4, encap::UdpChecksumMode::kZero);
  EXPECT_EQ(u.checksum6, encap::UdpChecksumMode::kSoftware);

  ASSERT_EQ(m.mappings.size(), 2u);
  EXPECT_EQ(m.mappings[0].vpc, 0);
  EXPECT_EQ(m.mappings[0].ip, encap::UnderlayIp::v4(*parse_ipv4("10.0.3.10")));
  EXPECT_EQ(m.mappings[1].ip, encap::UnderlayIp::v6(*parse_ipv6("fd00:10:0:3::10")));
  EXPECT_EQ(m.mappings[1].underlay_ip, encap::UnderlayIp::v4(*parse_ipv4("192.168.100.2")));
  EXPECT_EQ(to_string(m.mappings[1].mac), "02:00:00:00:03:0a");
  EXPECT_TRUE(m.mappings[0].security_groups.empty());

  ASSERT_EQ(m.overlay_routes.size(), 1u);
  EXPECT_EQ(m.overlay_routes[0].prefix_len, 0);
  EXPECT_EQ(m.overlay_routes[0].underlay_ip, encap::UnderlayIp::v4(*parse_ipv4("192.168.100.9")));
  EXPECT_EQ(m.overlay_routes[0].mac, m.router_mac);
}

TEST(ConfigModel, GeneveAndExplicitUnderlayChoicesAreKept) {
  const ModelBuild b = build_model(parse_config_json(
      replace(kValidOverlay, R"("next_hop_mac": "02:00:00:00:ff:01")",
              R"("next_hop_mac": "02:00:00:00:ff:01", "encapsulation": "GENEVE", "mtu": 9000, "udp_checksum": "OFFLOAD", "mac": "02:00:00:00:ff:02")"),
      "cfg.json"));
  ASSERT_TRUE(b.problems.empty()) << b.problems.front().message;
  const UnderlayModel& u = *b.model.underlay;
  EXPECT_EQ(u.tunnel, encap::TunnelType::kGeneve);
  EXPECT_EQ(u.udp_port, 6081);
  EXPECT_EQ(u.mtu, 9000);
  EXPECT_EQ(u.checksum4, encap::UdpChecksumMode::kOffload);
  EXPECT_EQ(u.checksum6, encap::UdpChecksumMode::kOffload);
  ASSERT_TRUE(u.mac);
  EXPECT_EQ(to_string(*u.mac), "02:00:00:00:ff:02");
}

// A model with problems holds none of the refused items: a mapping with a
// bad address is not among the mappings.
TEST(ConfigModel, ARefusedMappingIsNotInTheModel) {
  const ModelBuild b = build_model(parse_config_json(kValidOverlay, "cfg.json"));
  ASSERT_EQ(b.model.mappings.size(), 2u);
  config::v1::Config c = parse_config_json(kValidOverlay, "cfg.json");
  c.mutable_mappings(0)->set_ip("10.9.3.10");  // outside the VPC
  const ModelBuild bad = build_model(c);
  ASSERT_EQ(bad.problems.size(), 1u);
  EXPECT_EQ(bad.model.mappings.size(), 1u);
}

TEST(ConfigValidation, EveryProblemIsReportedNotJustTheFirst) {
  std::string bad = replace(replace(kValid, "\"10.0.2.10\"", "\"10.0.2.300\""), R"("port": "p1")", R"("port": "nope")");
  EXPECT_EQ(problems(bad), (std::vector<std::string>{"enis[0].port: \"nope\" is not a configured port",
                                                     "enis[1].ipv4[0]: \"10.0.2.300\" is not an IPv4 address"}));
}

TEST(ConfigFile, ErrorsNameTheFileAndAMissingFileIsClear) {
  try {
    load_config_file("/nonexistent/vfpath.json");
    FAIL() << "loaded a missing file";
  } catch (const ConfigFileError& e) {
    EXPECT_EQ(std::string(e.what()), "/nonexistent/vfpath.json: cannot open: No such file or directory");
  }
  std::string path = ::testing::TempDir() + "/bad.json";
  std::ofstream(path) << replace(kValid, "\"10.0.2.10\"", "\"10.0.2.1\"");
  try {
    load_config_file(path);
    FAIL() << "loaded an invalid file";
  } catch (const ConfigFileError& e) {
    EXPECT_EQ(std::string(e.what()), path + ": enis[1].ipv4[0]: \"10.0.2.1\" is the subnet's gateway");
  }
}

}  // namespace
}  // namespace vfpath::control

namespace vfpath::control {
namespace {

// A push refused for a thousand problems still tells the client the first
// ones and how many there are (gRPC drops an over-long status message whole).
TEST(ProblemText, KeepsWholeLinesWithinTheBudgetAndCountsTheRest) {
  std::vector<std::string> lines;
  for (int i = 0; i < 1100; ++i) lines.push_back("enis[" + std::to_string(i) + "].ipv4[0]: \"10.0.2.20\" already belongs to ENI \"x0\"");
  const std::string text = join_problems(lines, 1000);
  EXPECT_LE(text.size(), 1100u);
  EXPECT_EQ(text.rfind(lines[0], 0), 0u);
  const size_t kept = static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
  EXPECT_NE(text.find("... and " + std::to_string(1100 - kept) + " more problems (1100 in all"), std::string::npos) << text;
  EXPECT_EQ(join_problems({"a", "b"}), "a\nb");
  EXPECT_EQ(join_problems({}), "");
}

}  // namespace
}  // namespace vfpath::control
