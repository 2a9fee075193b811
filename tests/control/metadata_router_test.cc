// The metadata service's answers (control/metadata_router.h) and its
// tokens (metadata_token.h), table by table: EC2's IMDSv2 behaviour, the
// items a VM reads, and the facts taken from a compiled snapshot.
#include <gtest/gtest.h>

#include "control/compile.h"
#include "control/config_file.h"
#include "control/metadata_router.h"

namespace vfpath::control {
namespace {

const std::array<uint8_t, 32> kKey{1, 2, 3};

InstanceFacts facts(bool tokens_required = true) {
  InstanceFacts f;
  f.slot = 7;
  f.options.tokens_required = tokens_required;
  f.options.put_hop_limit = 1;
  f.instance_id = "i-0abc";
  f.eni_id = "eni-0abc";
  f.mac = "02:00:00:00:01:0a";
  f.hostname = "eni-0abc.corp.example";
  f.ipv4 = {"10.0.1.10", "10.0.1.11"};
  f.ipv6 = {"fd00:10:0:1::10"};
  f.subnet_id = "sn-1";
  f.subnet_ipv4_cidr = "10.0.1.0/24";
  f.vpc_id = "vpc-1";
  f.security_groups = {"sg-web", "sg-ssh"};
  f.user_data = "#!/bin/sh\necho hi\n";
  return f;
}

MetadataRequest get(std::string_view path, std::optional<std::string_view> token = std::nullopt) {
  MetadataRequest r;
  r.method = "GET";
  r.path = path;
  r.token = token;
  r.now_s = 1000;
  return r;
}

MetadataRequest put_token(std::optional<std::string_view> ttl) {
  MetadataRequest r;
  r.method = "PUT";
  r.path = "/latest/api/token";
  r.token_ttl = ttl;
  r.now_s = 1000;
  return r;
}

TEST(MetadataToken, GoodForItsEniUntilItsTtlEnds) {
  const TokenIssuer t(kKey);
  const std::string token = t.issue(7, 1000, 60);
  EXPECT_EQ(token.size(), 56u);
  EXPECT_EQ(t.remaining(token, 7, 1000), 60u);
  EXPECT_EQ(t.remaining(token, 7, 1059), 1u);
  EXPECT_FALSE(t.remaining(token, 7, 1060)) << "expired";
  EXPECT_FALSE(t.remaining(token, 8, 1000)) << "another ENI's";
  std::string forged = token;
  forged[3] = forged[3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(t.remaining(forged, 7, 1000)) << "altered";
  EXPECT_FALSE(t.remaining(token.substr(1), 7, 1000)) << "short";
  EXPECT_FALSE(t.remaining(std::string(56, '='), 7, 1000)) << "not base64url";
  EXPECT_FALSE(TokenIssuer(std::array<uint8_t, 32>{9}).remaining(token, 7, 1000)) << "another key";
  EXPECT_NE(TokenIssuer().issue(7, 1000, 60), TokenIssuer().issue(7, 1000, 60)) << "keys are random";
}

TEST(MetadataRouter, TheTokenPutFollowsEc2) {
  const TokenIssuer t(kKey);
  const InstanceFacts f = facts();
  struct Case {
    const char* what;
    MetadataRequest r;
    int status;
  } cases[] = {
      {"no TTL header", put_token(std::nullopt), 400},
      {"TTL 0", put_token("0"), 400},
      {"TTL over six hours", put_token("21601"), 400},
      {"TTL not a number", put_token("60s"), 400},
      {"TTL 1", put_token("1"), 200},
      {"TTL six hours", put_token("21600"), 200},
  };
  for (const Case& c : cases) EXPECT_EQ(answer_metadata(c.r, &f, t).status, c.status) << c.what;
  MetadataRequest forwarded = put_token("60");
  forwarded.forwarded = true;
  EXPECT_EQ(answer_metadata(forwarded, &f, t).status, 403) << "a proxy's request";
  MetadataRequest wrong_method = get("/latest/api/token");
  EXPECT_EQ(answer_metadata(wrong_method, &f, t).status, 405);
  const MetadataResponse ok = answer_metadata(put_token("60"), &f, t);
  EXPECT_EQ(ok.hop_limit, 1) << "the token leaves with the ENI's hop limit";
  EXPECT_EQ(t.remaining(ok.body, 7, 1000), 60u);
  ASSERT_EQ(ok.headers.size(), 1u);
  EXPECT_EQ(ok.headers[0].second, "60");
}

TEST(MetadataRouter, GetsNeedAValidTokenWhereTokensAreRequired) {
  const TokenIssuer t(kKey);
  const std::string token = t.issue(7, 1000, 60);
  const std::string others = t.issue(8, 1000, 60);
  const std::string old = t.issue(7, 900, 60);
  const InstanceFacts required = facts(true), optional = facts(false);
  struct Case {
    const char* what;
    const InstanceFacts* f;
    std::optional<std::string_view> token;
    int status;
  } cases[] = {
      {"required, no token", &required, std::nullopt, 401},
      {"required, a token", &required, token, 200},
      {"required, another ENI's token", &required, others, 401},
      {"required, an expired token", &required, old, 401},
      {"optional, no token (IMDSv1)", &optional, std::nullopt, 200},
      {"optional, a bad token", &optional, others, 401},
  };
  for (const Case& c : cases)
    EXPECT_EQ(answer_metadata(get("/latest/meta-data/local-ipv4", c.token), c.f, t).status, c.status) << c.what;
  MetadataRequest post = get("/latest/meta-data/");
  post.method = "POST";
  EXPECT_EQ(answer_metadata(post, &optional, t).status, 405);
  EXPECT_EQ(answer_metadata(get("/latest/meta-data/", token), nullptr, t).status, 404) << "an ENI gone";
}

TEST(MetadataRouter, ItemsAreTheVmsOwnFacts) {
  const TokenIssuer t(kKey);
  const InstanceFacts f = facts(false);
  const std::string mac = "/latest/meta-data/network/interfaces/macs/02:00:00:00:01:0a/";
  struct Case {
    std::string path;
    int status;
    std::string body;
  } cases[] = {
      {"/latest/meta-data/instance-id", 200, "i-0abc"},
      {"/latest/meta-data/local-ipv4", 200, "10.0.1.10"},
      {"/latest/meta-data/ipv6", 200, "fd00:10:0:1::10"},
      {"/latest/meta-data/mac", 200, "02:00:00:00:01:0a"},
      {"/latest/meta-data/hostname", 200, "eni-0abc.corp.example"},
      {"/latest/meta-data/security-groups", 200, "sg-web\nsg-ssh"},
      {"/latest/meta-data/", 200, "hostname\ninstance-id\nlocal-hostname\nlocal-ipv4\nipv6\nmac\nnetwork/\nsecurity-groups"},
      {"/latest/meta-data/network/interfaces/macs/", 200, "02:00:00:00:01:0a/"},
      {mac + "interface-id", 200, "eni-0abc"},
      {mac + "local-ipv4s", 200, "10.0.1.10\n10.0.1.11"},
      {mac + "subnet-id", 200, "sn-1"},
      {mac + "subnet-ipv4-cidr-block", 200, "10.0.1.0/24"},
      {mac + "subnet-ipv6-cidr-blocks", 404, "Not Found"},  // the subnet has no IPv6
      {mac + "vpc-id", 200, "vpc-1"},
      {"/latest/user-data", 200, "#!/bin/sh\necho hi\n"},
      {"/latest/meta-data/iam/", 404, "Not Found"},
      {"/latest/meta-data/local-ipv4/x", 404, "Not Found"},
  };
  for (const Case& c : cases) {
    const MetadataResponse r = answer_metadata(get(c.path), &f, t);
    EXPECT_EQ(r.status, c.status) << c.path;
    EXPECT_EQ(r.body, c.body) << c.path;
  }
  InstanceFacts no_user_data = f;
  no_user_data.user_data.clear();
  EXPECT_EQ(answer_metadata(get("/latest/user-data"), &no_user_data, t).status, 404);
}

TEST(MetadataFacts, ComeFromTheEnisEntryInTheSnapshot) {
  const char* config = R"({"generation": 1,
    "ports": [{"name": "a", "devargs": "net_null0", "role": "ENI"}],
    "vpcs": [{"id": "vpc-1", "cidrs": ["10.0.0.0/16"], "dhcp_options": {"domain_name": "corp.example"}}],
    "subnets": [{"id": "sn-1", "vpc": "vpc-1", "ipv4_cidr": "10.0.1.0/24"}],
    "security_groups": [{"id": "sg-web", "vpc": "vpc-1"}],
    "enis": [{"id": "eni-0abc", "port": "a", "mac": "02:00:00:00:01:0a", "subnet": "sn-1", "ipv4": ["10.0.1.10"],
              "security_groups": ["sg-web"], "user_data": "hello",
              "metadata_options": {"http_tokens": "optional", "http_put_response_hop_limit": 2}},
             {"id": "vm2", "port": "a", "mac": "02:00:00:00:02:0a", "subnet": "sn-1", "ipv4": ["10.0.1.20"],
              "instance_id": "i-custom"}]})";
  auto s = compile_snapshot(parse_config_json(config, "test"), {{"a", 0}});
  const std::optional<InstanceFacts> f = instance_facts(*s, s->enis[0].counter_slot);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->instance_id, "i-0abc");  // from the ENI id
  EXPECT_EQ(f->hostname, "eni-0abc.corp.example");
  EXPECT_EQ(f->ipv4, std::vector<std::string>{"10.0.1.10"});
  EXPECT_EQ(f->subnet_ipv4_cidr, "10.0.1.0/24");
  EXPECT_EQ(f->vpc_id, "vpc-1");
  EXPECT_EQ(f->security_groups, std::vector<std::string>{"sg-web"});
  EXPECT_EQ(f->user_data, "hello");
  EXPECT_FALSE(f->options.tokens_required);
  EXPECT_EQ(f->options.put_hop_limit, 2);
  const std::optional<InstanceFacts> g = instance_facts(*s, s->enis[1].counter_slot);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->instance_id, "i-custom");
  EXPECT_TRUE(g->options.tokens_required) << "IMDSv2 by default";
  EXPECT_EQ(g->options.put_hop_limit, 1);
  EXPECT_FALSE(instance_facts(*s, 999));
}

TEST(MetadataOptions, BadValuesAreRefusedWithTheirPath) {
  struct Case {
    std::string eni_extra;
    std::string path;
  } cases[] = {
      {R"("metadata_options": {"http_tokens": "sometimes"})", "enis[0].metadata_options.http_tokens"},
      {R"("metadata_options": {"http_endpoint": "on"})", "enis[0].metadata_options.http_endpoint"},
      {R"("metadata_options": {"http_put_response_hop_limit": 65})", "enis[0].metadata_options.http_put_response_hop_limit"},
      {R"("instance_id": "i-a b")", "enis[0].instance_id"},
      {R"("user_data": ")" + std::string(16385, 'x') + "\"", "enis[0].user_data"},
  };
  for (const Case& c : cases) {
    const std::string config = R"({"generation": 1, "ports": [{"name": "a", "devargs": "net_null0", "role": "ENI"}],
      "vpcs": [{"id": "vpc-1", "cidrs": ["10.0.0.0/16"]}], "subnets": [{"id": "sn-1", "vpc": "vpc-1", "ipv4_cidr": "10.0.1.0/24"}],
      "enis": [{"id": "vm1", "port": "a", "mac": "02:00:00:00:01:0a", "subnet": "sn-1", "ipv4": ["10.0.1.10"], )" +
                               c.eni_extra + "}]}";
    try {
      parse_config_json(config, "test");
      ADD_FAILURE() << c.path << " was accepted";
    } catch (const ConfigFileError& e) {
      EXPECT_NE(std::string(e.what()).find(c.path), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace vfpath::control
