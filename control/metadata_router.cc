#include "control/metadata_router.h"

#include <charconv>

#include "packet/text_address.h"

namespace vfpath::control {
namespace {

constexpr std::string_view kTokenPath = "/latest/api/token";
constexpr int kDefaultHopLimit = 64;  // every response but the token's

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : "\n") + l;
  return out;
}

MetadataResponse status(int code, std::string_view text) {
  MetadataResponse r;
  r.status = code;
  r.body = std::string(text);
  return r;
}

// The item or listing at `path` (with or without a trailing '/'), or nullopt.
std::optional<std::string> item(const InstanceFacts& f, std::string_view path) {
  std::string p(path);
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  const std::string md = "/latest/meta-data";
  const std::string mac_dir = md + "/network/interfaces/macs/" + f.mac;
  if (p == "/") return "latest";
  if (p == "/latest") return f.user_data.empty() ? "meta-data" : "meta-data\nuser-data";
  if (p == "/latest/user-data") {
    if (f.user_data.empty()) return std::nullopt;
    return f.user_data;
  }
  if (p == md) {
    std::vector<std::string> names{"hostname", "instance-id", "local-hostname"};
    if (!f.ipv4.empty()) names.push_back("local-ipv4");
    if (!f.ipv6.empty()) names.push_back("ipv6");
    names.insert(names.end(), {"mac", "network/", "security-groups"});
    return join(names);
  }
  if (p == md + "/instance-id") return f.instance_id;
  if (p == md + "/hostname" || p == md + "/local-hostname" || p == mac_dir + "/local-hostname") return f.hostname;
  if (p == md + "/local-ipv4" && !f.ipv4.empty()) return f.ipv4.front();
  if (p == md + "/ipv6" && !f.ipv6.empty()) return f.ipv6.front();
  if (p == md + "/mac" || p == mac_dir + "/mac") return f.mac;
  if (p == md + "/security-groups" || p == mac_dir + "/security-groups" || p == mac_dir + "/security-group-ids")
    return join(f.security_groups);
  if (p == md + "/network") return "interfaces/";
  if (p == md + "/network/interfaces") return "macs/";
  if (p == md + "/network/interfaces/macs") return f.mac + "/";
  if (p == mac_dir) {
    std::vector<std::string> names{"device-number", "interface-id", "local-hostname"};
    if (!f.ipv4.empty()) names.push_back("local-ipv4s");
    if (!f.ipv6.empty()) names.push_back("ipv6s");
    names.insert(names.end(), {"mac", "security-group-ids", "security-groups", "subnet-id"});
    if (!f.subnet_ipv4_cidr.empty()) names.push_back("subnet-ipv4-cidr-block");
    if (!f.subnet_ipv6_cidr.empty()) names.push_back("subnet-ipv6-cidr-blocks");
    names.push_back("vpc-id");
    return join(names);
  }
  if (p == mac_dir + "/device-number") return "0";
  if (p == mac_dir + "/interface-id") return f.eni_id;
  if (p == mac_dir + "/local-ipv4s" && !f.ipv4.empty()) return join(f.ipv4);
  if (p == mac_dir + "/ipv6s" && !f.ipv6.empty()) return join(f.ipv6);
  if (p == mac_dir + "/subnet-id") return f.subnet_id;
  if (p == mac_dir + "/subnet-ipv4-cidr-block" && !f.subnet_ipv4_cidr.empty()) return f.subnet_ipv4_cidr;
  if (p == mac_dir + "/subnet-ipv6-cidr-blocks" && !f.subnet_ipv6_cidr.empty()) return f.subnet_ipv6_cidr;
  if (p == mac_dir + "/vpc-id") return f.vpc_id;
  return std::nullopt;
}

std::optional<uint32_t> token_ttl(std::string_view text) {
  uint32_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || v < kMinTokenTtlS || v > kMaxTokenTtlS)
    return std::nullopt;
  return v;
}

}  // namespace

std::optional<InstanceFacts> instance_facts(const Snapshot& s, uint32_t slot) {
  const EniEntry* e = s.eni_at_slot(slot);
  if (!e) return std::nullopt;
  InstanceFacts f;
  f.slot = slot;
  f.options = e->metadata;
  f.instance_id = e->instance_id;
  f.eni_id = e->id;
  f.mac = to_string(e->mac);
  f.hostname = e->id;
  if (e->vpc < s.vpc_dhcp_domains.size() && !s.vpc_dhcp_domains[e->vpc].empty())
    f.hostname += "." + s.vpc_dhcp_domains[e->vpc];
  for (const Ipv4Addr& a : e->ipv4) f.ipv4.push_back(to_string(a));
  for (const Ipv6Addr& a : e->ipv6) f.ipv6.push_back(to_string(a));
  if (e->subnet < s.subnets.size()) {
    const SubnetEntry& sn = s.subnets[e->subnet];
    f.subnet_id = sn.id;
    if (sn.has_ipv4) f.subnet_ipv4_cidr = to_string(sn.cidr4.addr) + "/" + std::to_string(sn.cidr4.len);
    if (sn.has_ipv6) f.subnet_ipv6_cidr = to_string(sn.cidr6.addr) + "/" + std::to_string(sn.cidr6.len);
  }
  if (e->vpc < s.vpc_ids.size()) f.vpc_id = s.vpc_ids[e->vpc];
  f.security_groups = e->security_groups;
  f.user_data = e->user_data;
  return f;
}

MetadataResponse answer_metadata(const MetadataRequest& r, const InstanceFacts* facts, const TokenIssuer& tokens) {
  if (!facts) return status(404, "Not Found");
  const InstanceFacts& f = *facts;
  if (r.path == kTokenPath) {
    if (r.method != "PUT") {
      MetadataResponse m = status(405, "Method Not Allowed");
      m.headers.emplace_back("Allow", "PUT");
      return m;
    }
    if (r.forwarded) return status(403, "Forbidden");
    const std::optional<uint32_t> ttl = r.token_ttl ? token_ttl(*r.token_ttl) : std::nullopt;
    if (!ttl) return status(400, "Bad Request");
    MetadataResponse m;
    m.body = tokens.issue(f.slot, r.now_s, *ttl);
    m.headers.emplace_back("X-aws-ec2-metadata-token-ttl-seconds", std::to_string(*ttl));
    m.hop_limit = f.options.put_hop_limit;
    return m;
  }
  if (r.method != "GET" && r.method != "HEAD") {
    MetadataResponse m = status(405, "Method Not Allowed");
    m.headers.emplace_back("Allow", "GET, HEAD");
    return m;
  }
  std::optional<uint64_t> left;
  if (r.token) {
    left = tokens.remaining(*r.token, f.slot, r.now_s);
    if (!left) return status(401, "Unauthorized");
  } else if (f.options.tokens_required) {
    return status(401, "Unauthorized");
  }
  std::optional<std::string> body = item(f, r.path);
  if (!body) return status(404, "Not Found");
  MetadataResponse m;
  m.body = std::move(*body);
  if (left) m.headers.emplace_back("X-aws-ec2-metadata-token-ttl-seconds", std::to_string(*left));
  m.hop_limit = kDefaultHopLimit;
  return m;
}

}  // namespace vfpath::control
