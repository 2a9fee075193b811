// Pushes through the ConfigStore: all or nothing, generations, stale bases,
// fixed ports, concurrent pushers. Real snapshot publication (RCU), no EAL:
// the configurations here have no NACL entries.
#include "control/config_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "control/compile_cache.h"
#include "control/config_file.h"
#include "control/validate.h"
#include "dataplane/overlay_snapshot.h"
#include "dataplane/stats_view.h"
#include "packet/text_address.h"

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
  CounterSet counters{1};
  ConfigStore store{config(1), {{"p", 0}}, publisher, counters};
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

// A stalled worker: a push does not hang; it is applied and in force but
// reported unacknowledged (DEADLINE_EXCEEDED at the API), and once too many
// snapshots wait for the worker, pushes are refused whole until it recovers.
TEST(ConfigStore, AStalledWorkerTimesPushesOutAndThenRefusesThemInsteadOfHanging) {
  SnapshotPublisher publisher{1, std::chrono::milliseconds(10)};
  CounterSet counters{1};
  ConfigStore store{config(1), {{"p", 0}}, publisher, counters};
  publisher.register_worker(0);
  publisher.online(0);  // and never quiescent: stalled
  uint64_t g = 1;
  for (size_t k = 0; k < SnapshotPublisher::kMaxRetired; ++k, ++g) {
    auto out = store.apply(config(g + 1), g);
    ASSERT_EQ(out.status, ApplyOutcome::Status::kUnacknowledged);
    EXPECT_EQ(out.generation, g + 1);
    ASSERT_EQ(out.problems.size(), 1u);
    EXPECT_EQ(out.problems[0], "generation " + std::to_string(g + 1) +
                                   " is published and in force on the workers that run, but a worker has not "
                                   "acknowledged it within 10 ms (stalled?); the previous snapshot is kept until it does");
  }
  auto refused = store.apply(config(g + 1), g);
  EXPECT_EQ(refused.status, ApplyOutcome::Status::kUnavailable);
  ASSERT_EQ(refused.problems.size(), 1u);
  EXPECT_EQ(refused.problems[0], "8 earlier snapshots are still kept for a worker that has not passed a quiescent "
                                 "state since (stalled): nothing applied until it recovers");
  EXPECT_EQ(store.current().generation(), g);
  EXPECT_EQ(publisher.current()->generation, g);
  publisher.quiescent(0);  // it recovers
  std::atomic<bool> stop{false};
  std::thread worker([&] {
    while (!stop) publisher.quiescent(0);
  });
  EXPECT_EQ(store.apply(config(g + 1), g).status, ApplyOutcome::Status::kApplied);
  stop = true;
  worker.join();
  publisher.offline(0);
  publisher.unregister_worker(0);
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

namespace vfpath::control {
namespace {

// ENIs in the given order, each with an address from its position in `all`.
config::v1::Config with_enis(uint64_t generation, const std::vector<std::string>& ids) {
  auto c = config(generation);
  c.clear_enis();
  for (const auto& id : ids) {
    int n = std::stoi(id.substr(1));
    auto* e = c.add_enis();
    e->set_id(id);
    e->set_port("p");
    e->set_mac("02:00:00:00:00:0" + std::to_string(n));
    e->set_subnet("s");
    e->add_ipv4("10.0.1." + std::to_string(10 + n));
  }
  return c;
}

uint64_t rx_of(const SnapshotPublisher& pub, const CounterSet& counters, const std::string& id) {
  for (const auto& e : collect_stats(counters, pub).enis)
    if (e.id == id) return e.totals.rx_packets;
  return ~0ull;
}

TEST(CounterSlots, CountersStayWithTheirEniAcrossPushes) {
  SnapshotPublisher pub{1};
  CounterSet counters{1};
  ConfigStore store{with_enis(1, {"e1", "e2"}), {{"p", 0}}, pub, counters};
  auto count = [&](const std::string& id, uint64_t n) {
    for (const auto& e : pub.current()->enis)
      if (e.id == id) counters.lcore(0).enis[e.counter_slot].rx_packets.add(n);
  };
  count("e1", 5);
  count("e2", 7);
  // Reordered: each ENI keeps its counts.
  ASSERT_EQ(store.apply(with_enis(2, {"e2", "e1"}), 1).status, ApplyOutcome::Status::kApplied);
  EXPECT_EQ(rx_of(pub, counters, "e1"), 5u);
  EXPECT_EQ(rx_of(pub, counters, "e2"), 7u);
  // e1 deleted, e3 added in the same push: e3 must not see e1's counts.
  ASSERT_EQ(store.apply(with_enis(3, {"e2", "e3"}), 2).status, ApplyOutcome::Status::kApplied);
  EXPECT_EQ(rx_of(pub, counters, "e3"), 0u);
  EXPECT_EQ(rx_of(pub, counters, "e2"), 7u);
  // A later ENI may reuse e1's old slot: it starts from zero all the same.
  ASSERT_EQ(store.apply(with_enis(4, {"e2", "e3", "e4"}), 3).status, ApplyOutcome::Status::kApplied);
  EXPECT_EQ(rx_of(pub, counters, "e4"), 0u);
  count("e4", 2);
  EXPECT_EQ(rx_of(pub, counters, "e4"), 2u);
}

TEST(CounterSlots, PlanCommitQuarantineAndCapacity) {
  CounterSlots slots(3);
  auto a = slots.plan({"x", "y"});
  EXPECT_EQ(a.slots, (std::vector<uint32_t>{0, 1}));
  slots.commit(std::move(a));
  auto b = slots.plan({"y", "z"});  // x freed: quarantined, so z takes a new slot
  EXPECT_EQ(b.slots, (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(b.reused, (std::vector<bool>{false, false}));
  slots.commit(std::move(b));
  auto c = slots.plan({"y", "z", "w"});  // x's slot is free now: reused, with a baseline
  EXPECT_EQ(c.slots, (std::vector<uint32_t>{1, 2, 0}));
  EXPECT_EQ(c.reused, (std::vector<bool>{false, false, true}));
  EXPECT_THROW(slots.plan({"a", "b", "c", "d"}), std::runtime_error);
}

// --- the overlay: the mapping table changes in place, by delta or whole push ---

config::v1::Config overlay_config(uint64_t generation, const std::string& mappings) {
  return parse_config_json(R"({"generation": )" + std::to_string(generation) + R"(,
    "ports": [{"name": "p", "devargs": "net_null0", "role": "ENI"}, {"name": "u", "devargs": "net_null1", "role": "UPLINK"}],
    "vpcs": [{"id": "v", "cidrs": ["10.0.0.0/16"], "vni": 5}],
    "subnets": [{"id": "s", "vpc": "v", "ipv4_cidr": "10.0.1.0/24"}],
    "enis": [{"id": "e", "port": "p", "mac": "02:00:00:00:00:01", "subnet": "s", "ipv4": ["10.0.1.10"]}],
    "underlay": {"port": "u", "ipv4": "192.168.0.1", "next_hop_mac": "02:00:00:00:ff:01", "max_mappings": 64},
    "mappings": [)" + mappings + "]}", "test");
}

const std::string kMapping2 = R"({"vpc": "v", "ip": "10.0.2.20", "underlay_ip": "192.168.0.2", "mac": "02:00:00:00:02:14"})";

bool mapped(const Snapshot& s, const std::string& ip, std::string* host = nullptr) {
  const auto& vpc = s.overlay->vpcs[0];
  encap::Mapping m;
  bool found = s.overlay->mappings->find(vpc.table_key, encap::UnderlayIp::v4(*parse_ipv4(ip)), m);
  if (found && host) *host = to_string(Ipv4Addr{be32::from_raw(m.underlay.addr.words[0])});
  return found;
}

struct OverlayFixture {
  SnapshotPublisher publisher{1};
  CounterSet counters{1};
  ConfigStore store{overlay_config(1, kMapping2), {{"p", 0}, {"u", 1}}, publisher, counters};
};

TEST(ConfigStoreOverlay, DeltasChangeTheOneMappingTableInPlace) {
  OverlayFixture f;
  const encap::MappingTable* table = f.publisher.current()->overlay->mappings;
  ASSERT_TRUE(mapped(*f.publisher.current(), "10.0.2.20"));

  config::v1::Delta d;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(R"({"generation": 2,
      "upsert_mappings": [{"vpc": "v", "ip": "10.0.2.30", "underlay_ip": "192.168.0.3", "mac": "02:00:00:00:02:1e"},
                          {"vpc": "v", "ip": "10.0.2.20", "underlay_ip": "192.168.0.4", "mac": "02:00:00:00:02:14"}]})", &d).ok());
  ASSERT_EQ(f.store.apply_delta(d, 1).status, ApplyOutcome::Status::kApplied);
  const Snapshot& s2 = *f.publisher.current();
  EXPECT_EQ(s2.overlay->mappings, table) << "the table is long-lived, not rebuilt";
  std::string host;
  EXPECT_TRUE(mapped(s2, "10.0.2.30", &host));
  EXPECT_EQ(host, "192.168.0.3");
  EXPECT_TRUE(mapped(s2, "10.0.2.20", &host));
  EXPECT_EQ(host, "192.168.0.4") << "the VM moved hosts";
  EXPECT_EQ(table->size(), 2u);

  config::v1::Delta del;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
      R"({"generation": 3, "delete_mappings": [{"vpc": "v", "ip": "10.0.2.30"}]})", &del).ok());
  ASSERT_EQ(f.store.apply_delta(del, 2).status, ApplyOutcome::Status::kApplied);
  EXPECT_FALSE(mapped(*f.publisher.current(), "10.0.2.30"));
  EXPECT_EQ(table->size(), 1u);
  EXPECT_EQ(f.store.current().mappings_size(), 1);
}

TEST(ConfigStoreOverlay, AnInvalidOrImpossibleDeltaLeavesTheTableAlone) {
  OverlayFixture f;
  config::v1::Delta d;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(R"({"generation": 2,
      "delete_mappings": [{"vpc": "v", "ip": "10.0.2.99"}],
      "upsert_mappings": [{"vpc": "v", "ip": "10.0.1.10", "underlay_ip": "192.168.0.3", "mac": "02:00:00:00:02:1e"}]})", &d).ok());
  auto out = f.store.apply_delta(d, 1);
  EXPECT_EQ(out.status, ApplyOutcome::Status::kInvalid);
  ASSERT_EQ(out.problems.size(), 2u);
  EXPECT_EQ(out.problems[0], "delete_mappings[0]: no mapping of \"10.0.2.99\" in VPC \"v\" to delete");
  EXPECT_EQ(out.problems[1], "mappings[1].ip: \"10.0.1.10\" is the address of local ENI \"e\" (a local address is delivered here, never mapped)");
  EXPECT_TRUE(mapped(*f.publisher.current(), "10.0.2.20"));
  EXPECT_FALSE(mapped(*f.publisher.current(), "10.0.1.10"));
  EXPECT_EQ(f.publisher.current()->overlay->mappings->size(), 1u);
}

TEST(ConfigStoreOverlay, AWholePushIsDiffedIntoTheTableAndTheCapacityIsFixed) {
  OverlayFixture f;
  auto next = overlay_config(2, R"({"vpc": "v", "ip": "10.0.2.40", "underlay_ip": "192.168.0.2", "mac": "02:00:00:00:02:28"})");
  ASSERT_EQ(f.store.apply(next, 1).status, ApplyOutcome::Status::kApplied);
  EXPECT_FALSE(mapped(*f.publisher.current(), "10.0.2.20"));
  EXPECT_TRUE(mapped(*f.publisher.current(), "10.0.2.40"));
  auto bigger = overlay_config(3, kMapping2);
  bigger.mutable_underlay()->set_max_mappings(128);
  auto out = f.store.apply(bigger, 2);
  EXPECT_EQ(out.status, ApplyOutcome::Status::kInvalid);
  EXPECT_EQ(out.problems.at(0),
            "underlay.max_mappings: the mapping table is sized at start-up (64 entries); restart vfpathd to change it");
}

TEST(ConfigStoreOverlay, AVpcKeepsItsTableKeyAndAVpcLeavingTheOverlayTakesItsEntries) {
  OverlayFixture f;
  const uint16_t key = f.publisher.current()->overlay->vpcs[0].table_key;
  ASSERT_EQ(f.store.apply(overlay_config(2, kMapping2), 1).status, ApplyOutcome::Status::kApplied);
  EXPECT_EQ(f.publisher.current()->overlay->vpcs[0].table_key, key);
  auto off = overlay_config(3, "");
  off.mutable_vpcs(0)->set_vni(0);
  ASSERT_EQ(f.store.apply(off, 2).status, ApplyOutcome::Status::kApplied);
  EXPECT_EQ(f.publisher.current()->overlay->mappings->size(), 0u);
  EXPECT_EQ(f.publisher.current()->overlay->vpcs[0].vni, 0u);
  ASSERT_EQ(f.store.apply(overlay_config(4, kMapping2), 3).status, ApplyOutcome::Status::kApplied);
  EXPECT_TRUE(mapped(*f.publisher.current(), "10.0.2.20"));
}



// --- security-group address sets and classifier reuse (issue 6: large
// mutable tables take deltas without a full recompile) ---

namespace sets {

// vm1 in sg-app, vm2 in sg-web (tcp 80 from sg-app, 443 from pl-office),
// vm2's subnet behind a two-entry NACL.
config::v1::Config config(uint64_t generation, const std::string& vm3_groups, const std::string& office,
                          const std::string& web_port = "80") {
  return parse_config_json(R"({"generation": )" + std::to_string(generation) + R"(,
    "ports": [{"name": "a", "devargs": "net_null0", "role": "ENI"}, {"name": "b", "devargs": "net_null1", "role": "ENI"},
              {"name": "c", "devargs": "net_null2", "role": "ENI"}],
    "vpcs": [{"id": "v", "cidrs": ["10.0.0.0/16"]}],
    "subnets": [{"id": "s1", "vpc": "v", "ipv4_cidr": "10.0.1.0/24"},
                {"id": "s2", "vpc": "v", "ipv4_cidr": "10.0.2.0/24", "network_acl": "acl"}],
    "network_acls": [{"id": "acl", "vpc": "v",
      "ingress": [{"rule_number": 100, "action": "ALLOW", "cidr": "10.0.0.0/16", "protocol": "tcp"}],
      "egress": [{"rule_number": 100, "action": "ALLOW", "cidr": "10.0.0.0/16", "protocol": "tcp"}]}],
    "prefix_lists": [{"id": "pl-office", "cidrs": )" + office + R"(}],
    "security_groups": [
      {"id": "sg-app", "vpc": "v", "egress": [{"protocol": "all", "cidrs": ["0.0.0.0/0"]}]},
      {"id": "sg-web", "vpc": "v", "ingress": [
        {"protocol": "tcp", "port_range": {"from": )" + web_port + R"(, "to": )" + web_port + R"(}, "security_groups": ["sg-app"]},
        {"protocol": "tcp", "port_range": {"from": 443, "to": 443}, "prefix_lists": ["pl-office"]}]}],
    "enis": [{"id": "vm1", "port": "a", "mac": "02:00:00:00:00:01", "subnet": "s1", "ipv4": ["10.0.1.10"], "security_groups": ["sg-app"]},
             {"id": "vm2", "port": "b", "mac": "02:00:00:00:00:02", "subnet": "s2", "ipv4": ["10.0.2.10"], "security_groups": ["sg-web"]},
             {"id": "vm3", "port": "c", "mac": "02:00:00:00:00:03", "subnet": "s1", "ipv4": ["10.0.1.30"], "security_groups": )" +
                               vm3_groups + R"(}]})",
                           "test");
}

struct Fixture {
  SnapshotPublisher publisher{1};
  CounterSet counters{1};
  ConfigStore store{config(1, R"(["sg-web"])", R"(["192.0.2.0/24"])"), {{"a", 0}, {"b", 1}, {"c", 2}}, publisher, counters};
};

uint16_t set_key(const Snapshot& s, int eni, int rule) {
  return s.sg_policies[s.eni_ct[eni].sg_policy]->set_rules[0][0].at(rule).set;
}
bool has(const Snapshot& s, uint16_t key, const std::string& ip) {
  const Ipv4Addr a = *parse_ipv4(ip);
  return s.address_sets->contains(key, reinterpret_cast<const uint8_t*>(&a.value), false);
}
// Held as a shared_ptr, so the address cannot be reused by a new classifier.
std::shared_ptr<const void> classifier_of(const NaclTable& t) {
  if (t.small) return t.small;
  return t.classifier;
}

// What a test compares across a push, held: a published snapshot is freed
// by the next push, and a held classifier's address cannot be reused.
struct Held {
  explicit Held(const Snapshot& s)
      : vm1_policy(s.sg_policies[s.eni_ct[0].sg_policy]),
        vm2_policy(s.sg_policies[s.eni_ct[1].sg_policy]),
        nacl(classifier_of(s.nacls[0].table(acl::nacl::Direction::kIngress, false))),
        table(s.address_sets) {}
  std::shared_ptr<const SgPolicy> vm1_policy, vm2_policy;
  std::shared_ptr<const void> nacl;
  std::shared_ptr<const AddressSets> table;
};

}  // namespace sets

TEST(ConfigStoreSets, AMembershipOrPrefixListChangeRebuildsNoClassifier) {
  sets::Fixture f;
  const Snapshot& before = *f.publisher.current();
  const sets::Held held(before);
  const uint16_t app = sets::set_key(before, 1, 0), office = sets::set_key(before, 1, 1);
  EXPECT_TRUE(sets::has(before, app, "10.0.1.10"));
  EXPECT_FALSE(sets::has(before, app, "10.0.1.30"));
  EXPECT_FALSE(sets::has(before, office, "198.51.100.7"));

  // vm3 joins sg-app (leaving sg-web), the office list gains a prefix.
  auto out = f.store.apply(sets::config(2, R"(["sg-app"])", R"(["192.0.2.0/24", "198.51.100.0/24"])"), 1);
  ASSERT_EQ(out.status, ApplyOutcome::Status::kApplied) << (out.problems.empty() ? "" : out.problems[0]);
  const Snapshot& after = *f.publisher.current();
  EXPECT_EQ(after.address_sets, held.table) << "the same table, changed in place";
  EXPECT_EQ(sets::set_key(after, 1, 0), app) << "set keys are stable";
  EXPECT_TRUE(sets::has(after, app, "10.0.1.30"));
  EXPECT_TRUE(sets::has(after, office, "198.51.100.7"));
  EXPECT_TRUE(sets::has(after, office, "192.0.2.99"));
  EXPECT_EQ(after.sg_policies[after.eni_ct[1].sg_policy], held.vm2_policy)
      << "vm2's policy (its groups' rules unchanged) is the one already compiled";
  EXPECT_EQ(after.sg_policies[after.eni_ct[0].sg_policy], held.vm1_policy);
  EXPECT_EQ(sets::classifier_of(after.nacls[0].table(acl::nacl::Direction::kIngress, false)), held.nacl)
      << "the NACL did not change: its classifier is shared";

  // A prefix removed from the list is gone from the set.
  out = f.store.apply(sets::config(3, R"(["sg-app"])", R"(["198.51.100.0/24"])"), 2);
  ASSERT_EQ(out.status, ApplyOutcome::Status::kApplied);
  EXPECT_FALSE(sets::has(*f.publisher.current(), office, "192.0.2.99"));
  EXPECT_TRUE(sets::has(*f.publisher.current(), office, "198.51.100.7"));
}

TEST(ConfigStoreSets, ARuleChangeRebuildsOnlyThePoliciesAndTablesItTouches) {
  sets::Fixture f;
  const sets::Held held(*f.publisher.current());
  auto out = f.store.apply(sets::config(2, R"(["sg-web"])", R"(["192.0.2.0/24"])", "8080"), 1);
  ASSERT_EQ(out.status, ApplyOutcome::Status::kApplied);
  const Snapshot& after = *f.publisher.current();
  EXPECT_NE(after.sg_policies[after.eni_ct[1].sg_policy], held.vm2_policy) << "sg-web changed";
  EXPECT_EQ(after.sg_policies[after.eni_ct[1].sg_policy]->set_rules[0][0].at(0).match.ports.lo, 8080);
  EXPECT_EQ(after.sg_policies[after.eni_ct[0].sg_policy], held.vm1_policy) << "sg-app did not";
  EXPECT_EQ(sets::classifier_of(after.nacls[0].table(acl::nacl::Direction::kIngress, false)), held.nacl);
  const auto slots = after.nacls[0].table(acl::nacl::Direction::kIngress, false).hit_slots;

  // A NACL change rebuilds that NACL; its hit counters keep their slots.
  auto next = sets::config(3, R"(["sg-web"])", R"(["192.0.2.0/24"])", "8080");
  next.mutable_network_acls(0)->mutable_ingress(0)->set_cidr("10.0.0.0/8");
  out = f.store.apply(next, 2);
  ASSERT_EQ(out.status, ApplyOutcome::Status::kApplied);
  const Snapshot& third = *f.publisher.current();
  EXPECT_NE(sets::classifier_of(third.nacls[0].table(acl::nacl::Direction::kIngress, false)), held.nacl);
  EXPECT_EQ(third.nacls[0].table(acl::nacl::Direction::kIngress, false).hit_slots, slots);
}

TEST(ConfigStoreSets, ATableTooSmallForThePushIsReplacedAndTheOldOneLivesOn) {
  sets::Fixture f;
  const std::shared_ptr<const AddressSets> old = f.publisher.current()->address_sets;
  const uint16_t office = sets::set_key(*f.publisher.current(), 1, 1);
  // 5 lists of 1,000 /32s: more than the first table's 4,096 entries.
  auto next = sets::config(2, R"(["sg-web"])", R"(["192.0.2.0/24"])");
  for (int l = 0; l < 5; ++l) {
    auto* list = next.add_prefix_lists();
    list->set_id("big-" + std::to_string(l));
    for (int i = 0; i < 1000; ++i)
      list->add_cidrs("172.16." + std::to_string(l * 4 + i / 250) + "." + std::to_string(i % 250) + "/32");
  }
  auto out = f.store.apply(next, 1);
  ASSERT_EQ(out.status, ApplyOutcome::Status::kApplied) << (out.problems.empty() ? "" : out.problems[0]);
  const Snapshot& after = *f.publisher.current();
  ASSERT_NE(after.address_sets, old);
  EXPECT_GE(after.address_sets->capacity(), after.address_sets->size());
  EXPECT_GT(after.address_sets->size(), 5000u);
  EXPECT_TRUE(sets::has(after, office, "192.0.2.1"));
  EXPECT_TRUE(sets::has(after, sets::set_key(after, 1, 0), "10.0.1.10"));
  const Ipv4Addr a = *parse_ipv4("192.0.2.1");
  EXPECT_TRUE(old->contains(office, reinterpret_cast<const uint8_t*>(&a.value), false))
      << "a worker still on the old snapshot reads the old table, intact";
}


TEST(ConfigStoreSets, OnlyARulesOwnSlashZeroLeavesFlowsUntracked) {
  // sg-open allows everything both ways by its own CIDRs: untracked. sg-list
  // does the same through a prefix list holding 0.0.0.0/0: tracked, so that
  // editing a list never switches tracking on or off.
  auto c = sets::config(1, R"(["sg-web"])", R"(["0.0.0.0/0"])");
  auto* open = c.add_security_groups();
  open->set_id("sg-open");
  open->set_vpc("v");
  auto* list = c.add_security_groups();
  list->set_id("sg-list");
  list->set_vpc("v");
  for (auto* g : {open, list})
    for (auto* rule : {g->add_ingress(), g->add_egress()}) {
      rule->set_protocol("all");
      if (g == open) rule->add_cidrs("0.0.0.0/0");
      else rule->add_prefix_lists("pl-office");
    }
  c.mutable_enis(0)->clear_security_groups();
  c.mutable_enis(0)->add_security_groups("sg-open");
  c.mutable_enis(2)->clear_security_groups();
  c.mutable_enis(2)->add_security_groups("sg-list");
  ASSERT_TRUE(validate_config(c).empty()) << validate_config(c)[0].to_string();
  const auto s = compile_snapshot(c, {{"a", 0}, {"b", 1}, {"c", 2}});
  EXPECT_EQ(s->eni_ct[0].untracked, 0b0011) << "IPv4 TCP and UDP of sg-open";
  EXPECT_EQ(s->eni_ct[2].untracked, 0) << "sg-list is tracked";
}

TEST(CompileMemo, SweepKeepsWhatThePushUsedRollbackDropsWhatAFailedPushBuilt) {
  CompileMemo<int> memo;
  auto a = memo.get("a", [] { return 1; });
  memo.get("b", [] { return 2; });
  memo.sweep();  // push 1 published: a and b in force
  EXPECT_EQ(memo.size(), 2u);
  EXPECT_EQ(memo.get("a", [] { return 9; }), a) << "reused, not rebuilt";
  memo.get("c", [] { return 3; });
  memo.rollback();  // push 2 (a, c) failed: c goes, a and b stay
  EXPECT_EQ(memo.size(), 2u);
  EXPECT_EQ(memo.built(), 3u);
  memo.get("b", [] { return 2; });
  memo.sweep();  // push 3 (b only) published
  EXPECT_EQ(memo.size(), 1u);
  EXPECT_EQ(*memo.get("b", [] { return 0; }), 2);
}

}  // namespace
}  // namespace vfpath::control
