// The instance metadata service's answers, as a pure function: a request
// (method, path, the IMDSv2 headers, which ENI's VM asked) and that ENI's
// facts in, the HTTP response out. control/metadata_server.h puts it on
// the wire. EC2's behaviour (IMDSv2):
//   PUT /latest/api/token with X-aws-ec2-metadata-token-ttl-seconds: 1..21600
//     -> 200 and a token, sent with IP TTL / hop limit http_put_response_hop_limit;
//     no or a bad TTL header -> 400; X-Forwarded-For present -> 403 (a proxy's request);
//   GET/HEAD with X-aws-ec2-metadata-token: a valid token of this ENI -> the
//     item (200, or 404), else 401; without a token -> 401 where http_tokens
//     is required, the item where it is optional;
//   other methods -> 405.
// Items: /latest/meta-data/{instance-id, hostname, local-hostname,
// local-ipv4, ipv6, mac, security-groups, network/interfaces/macs/<mac>/
// {device-number, interface-id, local-hostname, local-ipv4s, ipv6s, mac,
// security-group-ids, security-groups, subnet-id, subnet-ipv4-cidr-block,
// subnet-ipv6-cidr-blocks, vpc-id}}, /latest/user-data, and the listings of
// the directories on the way (EC2's: one name per line, directories with '/').
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "control/metadata_token.h"
#include "dataplane/snapshot.h"

namespace vfpath::control {

// What the service knows of the VM behind one ENI (from the snapshot).
struct InstanceFacts {
  uint32_t slot = 0;
  EniMetadataOptions options;
  std::string instance_id, eni_id, mac, hostname;
  std::vector<std::string> ipv4, ipv6;
  std::string subnet_id, subnet_ipv4_cidr, subnet_ipv6_cidr, vpc_id;
  std::vector<std::string> security_groups;
  std::string user_data;
};

// The facts of the ENI at counter slot `slot` in `s`, or nullopt.
std::optional<InstanceFacts> instance_facts(const Snapshot& s, uint32_t slot);

struct MetadataRequest {
  std::string_view method;  // "GET", "PUT", ...
  std::string_view path;    // without the query
  std::optional<std::string_view> token;      // X-aws-ec2-metadata-token
  std::optional<std::string_view> token_ttl;  // X-aws-ec2-metadata-token-ttl-seconds
  bool forwarded = false;                     // X-Forwarded-For present
  uint64_t now_s = 0;
};

struct MetadataResponse {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  int hop_limit = 0;  // > 0: the IP TTL / hop limit this response leaves with
};

// `facts`: the asking VM's (null: its ENI is gone, 404).
MetadataResponse answer_metadata(const MetadataRequest& r, const InstanceFacts* facts, const TokenIssuer& tokens);

}  // namespace vfpath::control
