// IDS configuration through validation and the config store: a rule the
// subset cannot express refuses the whole push with its line, sid and
// keyword; references are checked; an unchanged rule set is not compiled
// again (its database and hit counters live on); the on-disk cache spares a
// restart the compile; the EVE record carries Suricata's fields.
#include <gtest/gtest.h>
#include <google/protobuf/util/json_util.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "control/config_file.h"
#include "control/config_store.h"
#include "control/ids_alerts.h"

namespace vfpath::control {
namespace {

const std::string kGood = "alert tcp any any -> any 80 (msg:\\\"admin\\\"; content:\\\"/admin\\\"; sid:1;)";

std::string json(const std::string& rules, const std::string& eni_ids, uint64_t generation = 1) {
  return R"({"generation": )" + std::to_string(generation) + R"(,
    "ports": [{"name": "p", "devargs": "net_null0", "role": "ENI"}],
    "vpcs": [{"id": "v", "cidrs": ["10.0.0.0/16"]}],
    "subnets": [{"id": "s", "vpc": "v", "ipv4_cidr": "10.0.1.0/24"}],
    "ids_rulesets": [{"id": "rs", "rules": ")" + rules + R"("}],
    "enis": [{"id": "e", "port": "p", "mac": "02:00:00:00:00:01", "subnet": "s", "ipv4": ["10.0.1.10"])" +
         (eni_ids.empty() ? "" : ", \"ids\": " + eni_ids) + "}]}";
}

std::vector<std::string> problems(const std::string& text) {
  try {
    parse_config_json(text, "cfg.json");
    return {};
  } catch (const ConfigFileError& e) {
    return e.problems();
  }
}

TEST(IdsConfig, RefusalsNameTheRuleLineSidAndKeyword) {
  struct Case {
    const char* proves;
    std::string rules, eni_ids, error;
  };
  const std::vector<Case> cases = {
      {"a keyword outside the subset", kGood + "\\n" + "alert tcp any any -> any any (msg:\\\"x\\\"; byte_test:4,>,1,0; sid:7;)",
       R"({"ruleset": "rs"})", "ids_rulesets[0].rules: line 2 (sid 7) 'byte_test': "},
      {"a pcre Hyperscan cannot take", R"(alert tcp any any -> any any (pcre:\"/(a)\\1/\"; sid:8;))", R"({"ruleset": "rs"})",
       "ids_rulesets[0].rules: line 1 (sid 8) 'pcre': "},
      {"an ENI naming no rule set", kGood, R"({"ruleset": "nope", "mode": "PREVENT"})",
       "enis[0].ids.ruleset: \"nope\" is not a configured IDS rule set"},
      {"a mode without a rule set", kGood, R"({"mode": "PREVENT"})", "enis[0].ids.ruleset: is empty: a mode needs a rule set"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.proves);
    const auto got = problems(json(c.rules, c.eni_ids));
    ASSERT_EQ(got.size(), 1u) << (got.empty() ? "accepted" : got[1]);
    EXPECT_EQ(got[0].substr(0, c.error.size()), c.error) << got[0];
  }
  EXPECT_TRUE(problems(json(kGood, R"({"ruleset": "rs", "mode": "PREVENT"})")).empty());
}

TEST(IdsConfig, RulesFileIsReadRelativeToTheConfigFile) {
  const auto dir = std::filesystem::temp_directory_path() / ("vfpath_ids_cfg_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "web.rules") << "alert tcp any any -> any 80 (msg:\"admin\"; content:\"/admin\"; sid:1;)\n";
    std::string text = json("", R"({"ruleset": "rs"})");
    text.replace(text.find(R"("rules": "")"), 11, R"("rules_file": "web.rules")");
    std::ofstream(dir / "cfg.json") << text;
  }
  const config::v1::Config c = load_config_file((dir / "cfg.json").string());
  EXPECT_NE(c.ids_rulesets(0).rules().find("/admin"), std::string::npos);
  EXPECT_TRUE(c.ids_rulesets(0).rules_file().empty());
  std::filesystem::remove((dir / "web.rules"));
  try {
    load_config_file((dir / "cfg.json").string());
    ADD_FAILURE() << "a missing rules file was accepted";
  } catch (const ConfigFileError& e) {
    EXPECT_NE(std::string(e.what()).find("ids_rulesets[0].rules_file: cannot open"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

config::v1::Config parsed(const std::string& text) { return parse_config_json(text, "test"); }

TEST(IdsConfig, AnUnchangedRuleSetIsNotCompiledAgainAndAChangedOneIs) {
  SnapshotPublisher publisher{1};
  CounterSet counters{1};
  ConfigStore store{parsed(json(kGood, R"({"ruleset": "rs"})")), {{"p", 0}}, publisher, counters, {2, ""}};
  const Snapshot* s1 = publisher.current();
  ASSERT_EQ(s1->ids_rulesets.size(), 1u);
  const IdsRuleset* first = s1->ids_rulesets[0].get();
  EXPECT_EQ(first->scratch.size(), 3u);  // one per worker, one for the control thread (Explain)
  EXPECT_EQ(s1->eni_ids.at(0).mode, ids::Mode::Detect);
  // Another ENI setting, same rules: the same compiled object.
  auto out = store.apply(parsed(json(kGood, R"({"ruleset": "rs", "mode": "PREVENT"})", 2)), 1);
  ASSERT_EQ(out.status, ApplyOutcome::Status::kApplied) << (out.problems.empty() ? "" : out.problems[0]);
  EXPECT_EQ(publisher.current()->ids_rulesets[0].get(), first);
  EXPECT_EQ(publisher.current()->eni_ids.at(0).mode, ids::Mode::Prevent);
  // New rules: a new database.
  out = store.apply(parsed(json(kGood + "\\n" + "alert udp any any -> any 53 (content:\\\"x\\\"; sid:2;)",
                                R"({"ruleset": "rs"})", 3)), 2);
  ASSERT_EQ(out.status, ApplyOutcome::Status::kApplied);
  EXPECT_NE(publisher.current()->ids_rulesets[0].get(), first);
  EXPECT_EQ(publisher.current()->ids_rulesets[0]->db->rules().size(), 2u);
  // A bad rule refuses the whole push: the previous rules stay in force.
  const IdsRuleset* in_force = publisher.current()->ids_rulesets[0].get();
  out = store.apply(parsed(json(kGood, R"({"ruleset": "rs"})", 3)), 3);  // generation not higher
  EXPECT_EQ(out.status, ApplyOutcome::Status::kInvalid);
  EXPECT_EQ(publisher.current()->ids_rulesets[0].get(), in_force);
  // IDS off: nothing per packet.
  out = store.apply(parsed(json(kGood, "", 4)), 3);
  ASSERT_EQ(out.status, ApplyOutcome::Status::kApplied);
  EXPECT_TRUE(publisher.current()->eni_ids.empty());
}

TEST(IdsConfig, DeltasUpsertAndDeleteRuleSets) {
  SnapshotPublisher publisher{1};
  CounterSet counters{1};
  ConfigStore store{parsed(json(kGood, "")), {{"p", 0}}, publisher, counters};
  config::v1::Delta d;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  R"({"generation": 2, "delete_ids_rulesets": ["rs"], "upsert_enis": [{"id": "e", "port": "p",
                      "mac": "02:00:00:00:00:01", "subnet": "s", "ipv4": ["10.0.1.10"], "ids": {"ruleset": "rs"}}]})", &d)
                  .ok());
  auto out = store.apply_delta(d, 1);
  EXPECT_EQ(out.status, ApplyOutcome::Status::kInvalid);
  EXPECT_EQ(out.problems.at(0), "enis[0].ids.ruleset: \"rs\" is not a configured IDS rule set");
  d.clear_delete_ids_rulesets();
  auto* rs = d.add_upsert_ids_rulesets();
  rs->set_id("rs");
  rs->set_rules("drop tcp any any -> any any (content:\"EVIL\"; sid:9;)");
  out = store.apply_delta(d, 1);
  ASSERT_EQ(out.status, ApplyOutcome::Status::kApplied) << (out.problems.empty() ? "" : out.problems[0]);
  EXPECT_EQ(publisher.current()->ids_rulesets.at(0)->db->rules().at(0).sid, 9u);
}

TEST(IdsConfig, ARestartLoadsTheCompiledDatabaseFromTheCache) {
  const auto dir = std::filesystem::temp_directory_path() / ("vfpath_ids_cache_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  for (bool restart : {false, true}) {
    SnapshotPublisher publisher{1};
    CounterSet counters{1};
    ConfigStore store{parsed(json(kGood, R"({"ruleset": "rs"})")), {{"p", 0}}, publisher, counters, {1, dir.string()}};
    EXPECT_EQ(publisher.current()->ids_rulesets.at(0)->from_cache, restart);
  }
  std::filesystem::remove_all(dir);
}

TEST(EveAlert, CarriesSuricatasAlertFields) {
  IdsAlertRecord a;
  a.ticks = 2500;
  a.flow_id = 123456789;
  a.src.words[0] = 0x0a01000a;  // 10.0.1.10 in network order on little-endian
  a.dst.words[0] = 0x0a02000a;
  a.sport = 40000;
  a.dport = 80;
  a.proto = 6;
  a.blocked = 1;
  a.sid = 2;
  a.rev = 3;
  std::snprintf(a.eni, sizeof a.eni, "eni-web");
  std::snprintf(a.ruleset, sizeof a.ruleset, "rs");
  AlertClock clock{1000, 1000, std::chrono::system_clock::time_point(std::chrono::seconds(1764816000))};
  const std::string j = eve_alert_json(a, clock, "evil \"quoted\"", "attempted-admin");
  EXPECT_EQ(j,
            R"({"timestamp":"2025-12-04T02:40:01.500000+0000","flow_id":123456789,"in_iface":"eni-web","event_type":"alert",)"
            R"("src_ip":"10.0.1.10","src_port":40000,"dest_ip":"10.0.2.10","dest_port":80,"proto":"TCP","direction":"to_server",)"
            R"("alert":{"action":"blocked","gid":1,"signature_id":2,"rev":3,"signature":"evil \"quoted\"",)"
            R"("category":"attempted-admin","severity":3,"metadata":{"ruleset":["rs"]}}})");
}

TEST(EveAlert, TimestampsStayRightHoursAfterStart) {
  // 2.6 GHz TSC, 5 hours after the clock's origin: ticks * 10^6 is past 2^63.
  IdsAlertRecord a;
  const uint64_t hz = 2600000000ull;
  a.ticks = 1000 + 5 * 3600 * hz + hz / 4;
  AlertClock clock{1000, hz, std::chrono::system_clock::time_point(std::chrono::seconds(1764816000))};
  const std::string j = eve_alert_json(a, clock, "", "");
  EXPECT_EQ(j.substr(0, 46), R"({"timestamp":"2025-12-04T07:40:00.250000+0000")");
}

}  // namespace
}  // namespace vfpath::control
