// libFuzzer target: a serialized Delta applied to a valid base configuration
// (examples/demo.json's shape), then the result validated: apply_delta
// reports problems of the delta, the model those of the result; neither may
// crash, and the base is never changed.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "control/config_file.h"
#include "control/delta.h"
#include "control/model.h"
#include "tests/fuzz/quiet_protobuf.h"

namespace {

const char* kBase = R"({
  "generation": 1,
  "ports": [{"name": "p1", "devargs": "net_null0", "role": "ENI"}, {"name": "p2", "devargs": "net_null1", "role": "ENI"}],
  "vpcs": [{"id": "vpc-1", "cidrs": ["10.0.0.0/16", "fd00:10::/56"]}],
  "subnets": [{"id": "sn-1", "vpc": "vpc-1", "ipv4_cidr": "10.0.1.0/24", "ipv6_cidr": "fd00:10:0:1::/64"},
              {"id": "sn-2", "vpc": "vpc-1", "ipv4_cidr": "10.0.2.0/24", "network_acl": "acl-1"}],
  "network_acls": [{"id": "acl-1", "vpc": "vpc-1",
    "ingress": [{"rule_number": 100, "action": "ALLOW", "cidr": "10.0.0.0/16", "protocol": "tcp", "port_range": {"from": 80, "to": 80}}]}],
  "security_groups": [{"id": "sg-web", "vpc": "vpc-1", "ingress": [{"protocol": "tcp", "port_range": {"from": 80, "to": 80}, "security_groups": ["sg-web"]}]}],
  "enis": [{"id": "e1", "port": "p1", "mac": "02:00:00:00:01:0a", "subnet": "sn-1", "ipv4": ["10.0.1.10"], "security_groups": ["sg-web"]},
           {"id": "e2", "port": "p2", "mac": "02:00:00:00:02:0a", "subnet": "sn-2", "ipv4": ["10.0.2.10"]}]
})";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vfpath::control;
  static const vfpath::config::v1::Config base = parse_config_json(kBase, "base");
  static const std::string base_bytes = base.SerializeAsString();
  if (size > 1 << 16) return 0;
  vfpath::config::v1::Delta delta;
  if (!delta.ParseFromArray(data, static_cast<int>(size))) return 0;
  std::vector<std::string> problems;
  const vfpath::config::v1::Config next = apply_delta(base, delta, problems);
  build_model(next);
  if (base.SerializeAsString() != base_bytes) std::abort();  // the base is never changed
  return 0;
}
