// Pushes through the ConfigStore: all or nothing, generations, stale bases,
// fixed ports, concurrent pushers. Real snapshot publication (RCU), no EAL:
// the configurations here have no NACL entries.
#include "control/config_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "control/config_file.h"

#include <google/protobuf/util/json_util.h>

namespace vfpath::control {
namespace {

config::v1::Config config(uint64_t generation, const std::string& eni_ip = "10.0.1.10") {
  return parse_config_json(R"({"generation": )" + std::to_string(generation) + R"(,
    "ports": [{"name": "p", "devargs": "net_null0", "role": "ENI"}],
    "vpcs": [{"id": "v", "cidrs": ["10.0.0.0/16"]}],
    "subnets": [{"id": "s", "vpc": "v", "ipv4_cidr": "10.0.1.0/24"}],
    "enis": [{"id": "e", "port": "p", "mac": "02:00:00:00:00:01", "subnet": "s", "ipv4": [")" + eni_ip + R"("]}]})",
                           "test");
}

struct Fixture {
  SnapshotPublisher publisher{1};
  ConfigStore store;
  Fixture() : store(config(1), {{"p", 0}}, publisher) { publisher.publish(compile_snapshot(config(1), {{"p", 0}})); }
};

TEST(ConfigStore, AValidPushIsInForceAndPublished) {
  Fixture f;
  auto out = f.store.apply(config(2, "10.0.1.20"), 1);
  EXPECT_EQ(out.status, ApplyOutcome::Status::kApplied);
  EXPECT_EQ(out.generation, 2u);
  EXPECT_EQ(f.store.current().generation(), 2u);
  EXPECT_EQ(f.publisher.current()->generation, 2u);
  EXPECT_EQ(f.publisher.current()->enis[0].ipv4[0].host(), 0x0a000114u);
}

TEST(ConfigStore, AnInvalidPushListsEveryProblemAndChangesNothing) {
  Fixture f;
  auto bad = config(2);
  bad.mutable_enis(0)->set_ipv4(0, "10.0.1.1");  // the gateway
  bad.mutable_enis(0)->set_mac("zz");
  auto out = f.store.apply(bad, 1);
  EXPECT_EQ(out.status, ApplyOutcome::Status::kInvalid);
  ASSERT_EQ(out.problems.size(), 2u);
  EXPECT_EQ(out.problems[0], "enis[0].mac: \"zz\" is not a MAC address (aa:bb:cc:dd:ee:ff)");
  EXPECT_EQ(out.problems[1], "enis[0].ipv4[0]: \"10.0.1.1\" is the subnet's gateway");
  EXPECT_EQ(f.store.current().generation(), 1u);
  EXPECT_EQ(f.publisher.current()->generation, 1u);
}

TEST(ConfigStore, AStaleBaseGenerationIsRefused) {
  Fixture f;
  ASSERT_EQ(f.store.apply(config(2), 1).status, ApplyOutcome::Status::kApplied);
  auto out = f.store.apply(config(3), 1);
  EXPECT_EQ(out.status, ApplyOutcome::Status::kStale);
  EXPECT_EQ(out.problems.at(0), "base generation 1 is not the one in force (2): read it again with Get and retry");
  EXPECT_EQ(f.store.current().generation(), 2u);
}

TEST(ConfigStore, GenerationsOnlyGoUp) {
  Fixture f;
  auto out = f.store.apply(config(1), std::nullopt);
  EXPECT_EQ(out.status, ApplyOutcome::Status::kInvalid);
  EXPECT_EQ(out.problems.at(0), "generation: 1 must be higher than the one in force (1)");
}

TEST(ConfigStore, PortsCannotChangeWhileRunning) {
  Fixture f;
  auto next = config(2);
  next.mutable_ports(0)->set_devargs("net_null9");
  auto out = f.store.apply(next, std::nullopt);
  EXPECT_EQ(out.status, ApplyOutcome::Status::kInvalid);
  EXPECT_NE(out.problems.at(0).find("ports are fixed while the daemon runs"), std::string::npos);
}

TEST(ConfigStore, OfTwoConcurrentPushesOnTheSameBaseExactlyOneWins) {
  for (int round = 0; round < 50; ++round) {
    Fixture f;
    std::atomic<int> applied{0}, stale{0};
    auto push = [&](const std::string& ip) {
      auto out = f.store.apply(config(2, ip), 1);
      (out.status == ApplyOutcome::Status::kApplied ? applied : stale)++;
    };
    std::thread a(push, "10.0.1.20"), b(push, "10.0.1.30");
    a.join();
    b.join();
    EXPECT_EQ(applied.load(), 1);
    EXPECT_EQ(stale.load(), 1);
    EXPECT_EQ(f.publisher.current()->generation, 2u);
  }
}

}  // namespace
}  // namespace vfpath::control

namespace vfpath::control {
namespace {

config::v1::Delta delta(const std::string& json) {
  config::v1::Delta d;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &d).ok()) << json;
  return d;
}

TEST(ConfigStoreDelta, UpsertReplacesByIdAndAddsNewObjects) {
  Fixture f;
  auto out = f.store.apply_delta(delta(R"({"generation": 2, "upsert_enis": [
      {"id": "e", "port": "p", "mac": "02:00:00:00:00:01", "subnet": "s", "ipv4": ["10.0.1.30"]},
      {"id": "e2", "port": "p", "mac": "02:00:00:00:00:02", "subnet": "s", "ipv4": ["10.0.1.31"]}]})"), 1);
  ASSERT_EQ(out.status, ApplyOutcome::Status::kApplied) << (out.problems.empty() ? "" : out.problems[0]);
  ASSERT_EQ(f.publisher.current()->enis.size(), 2u);
  EXPECT_EQ(f.publisher.current()->enis[0].ipv4[0].host(), 0x0a00011eu);
  EXPECT_EQ(f.store.current().enis(1).id(), "e2");
}

TEST(ConfigStoreDelta, DeleteRemovesAndWhatStillRefersToItIsAnError) {
  Fixture f;
  auto out = f.store.apply_delta(delta(R"({"generation": 2, "delete_subnets": ["s"]})"), std::nullopt);
  EXPECT_EQ(out.status, ApplyOutcome::Status::kInvalid);
  EXPECT_EQ(out.problems.at(0), "enis[0].subnet: \"s\" is not a configured subnet");
  out = f.store.apply_delta(delta(R"({"generation": 2, "delete_enis": ["e"], "delete_subnets": ["s"]})"), 1);
  EXPECT_EQ(out.status, ApplyOutcome::Status::kApplied);
  EXPECT_TRUE(f.publisher.current()->enis.empty());
}

TEST(ConfigStoreDelta, AnUnusableDeltaIsRefusedWholeWithEveryProblem) {
  Fixture f;
  auto out = f.store.apply_delta(delta(R"({"generation": 2, "delete_enis": ["nope"],
      "upsert_vpcs": [{"id": "v2", "cidrs": ["10.9.0.0/16"]}, {"id": "v2", "cidrs": ["10.8.0.0/16"]}],
      "upsert_subnets": [{"vpc": "v"}]})"), 1);
  EXPECT_EQ(out.status, ApplyOutcome::Status::kInvalid);
  ASSERT_GE(out.problems.size(), 3u);
  EXPECT_EQ(out.problems[0], "upsert_vpcs[1]: \"v2\" appears twice in this delta");
  EXPECT_EQ(out.problems[1], "upsert_subnets[0].id: is empty");
  EXPECT_EQ(out.problems[2], "delete_enis[0]: no eni \"nope\" to delete");
  EXPECT_EQ(f.store.current().generation(), 1u);
  EXPECT_EQ(f.store.current().vpcs_size(), 1);
}

}  // namespace
}  // namespace vfpath::control
