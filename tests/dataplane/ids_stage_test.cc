// The IDS stage through the real pipeline, no EAL: TCP connections and UDP
// flows from vm1 to vm2 (whose ENI has the rule set), packet in -> verdict
// and drop reason, then the alerts the worker's ring holds. What users rely
// on: DETECT never changes traffic, PREVENT cuts the matching connection
// and nothing else, a signature split over segments is found, and holes,
// overlaps and tiny segments cannot smuggle it past a drop rule.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "control/compile.h"
#include "control/config_file.h"
#include "packet/checksum.h"
#include "dataplane/pipeline.h"
#include "tests/packet/frames.h"

namespace vfpath {
namespace {

using namespace test;

const char* kRules =
    "alert tcp any any -> any 80 (msg:\"admin path\"; content:\"/admin\"; classtype:web-application-attack; sid:1; rev:2;)\n"
    "drop tcp any any -> any 80 (msg:\"evil\"; content:\"EVILSTRING\"; sid:2;)\n"
    "alert udp any any -> any 53 (msg:\"dns probe\"; content:\"|07|example\"; sid:3;)\n"
    "drop udp any any -> any 53 (msg:\"dns bad\"; content:\"badbad\"; sid:4;)\n"
    "pass tcp any any -> any 80 (msg:\"trusted\"; flow:to_server,established; content:\"TRUSTED-CLIENT\"; sid:5;)\n"
    "alert tcp any 80 -> any any (msg:\"server leak\"; flow:to_client; content:\"SECRET\"; sid:6;)\n";

std::string json_string(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') { out += "\\n"; continue; }
    out += c;
  }
  return out;
}

// vm1 (sn-1, egress anywhere) -> vm2 (sn-2, tcp 80 and udp 53 in; IDS in
// `mode`, or none when mode is empty).
std::string config(const std::string& mode) {
  std::string ids = mode.empty() ? "" : R"(, "ids": {"ruleset": "rs-web", "mode": ")" + mode + R"("})";
  return R"({"generation": 1,
  "ports": [{"name": "a", "devargs": "net_null0", "role": "ENI"}, {"name": "b", "devargs": "net_null1", "role": "ENI"}],
  "vpcs": [{"id": "vpc-1", "cidrs": ["10.0.0.0/16"]}],
  "subnets": [{"id": "sn-1", "vpc": "vpc-1", "ipv4_cidr": "10.0.1.0/24"}, {"id": "sn-2", "vpc": "vpc-1", "ipv4_cidr": "10.0.2.0/24"}],
  "security_groups": [
    {"id": "sg-client", "vpc": "vpc-1", "egress": [{"protocol": "all", "cidrs": ["0.0.0.0/0"]}]},
    {"id": "sg-web", "vpc": "vpc-1", "ingress": [{"protocol": "tcp", "port_range": {"from": 80, "to": 80}, "cidrs": ["10.0.0.0/16"]},
                                                 {"protocol": "udp", "port_range": {"from": 53, "to": 53}, "cidrs": ["10.0.0.0/16"]}]}],
  "ids_rulesets": [{"id": "rs-web", "rules": ")" + json_string(kRules) + R"("}],
  "enis": [{"id": "vm1", "port": "a", "mac": "02:00:00:00:01:0a", "subnet": "sn-1", "ipv4": ["10.0.1.10"], "security_groups": ["sg-client"]},
           {"id": "vm2", "port": "b", "mac": "02:00:00:00:02:0a", "subnet": "sn-2", "ipv4": ["10.0.2.10"], "security_groups": ["sg-web"])" +
         ids + R"(}]})";
}

constexpr uint8_t kSyn = 0x02, kAck = 0x10, kSynAck = 0x12, kPshAck = 0x18;

Bytes tcp_seg(uint16_t sport, uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack, const std::string& data = "") {
  Bytes b;
  put16(b, sport); put16(b, dport); put32(b, seq); put32(b, ack);
  b.push_back(5 << 4);
  b.push_back(flags);
  put16(b, 65535); put16(b, 0); put16(b, 0);
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

class Ids : public ::testing::Test {
 protected:
  void use(const std::string& mode) {
    snap_ = control::compile_snapshot(control::parse_config_json(config(mode), "test"), {{"a", 0}, {"b", 1}});
    for (const EniEntry& e : snap_->enis) scratch_.flows->set_zone(static_cast<uint16_t>(e.counter_slot), e.conntrack);
  }
  // One frame from vm1 (port 0) or vm2 (port 1): its drop reason name
  // ("none": forwarded). TCP gets its checksum right unless `bad_checksum`.
  std::string send(int from_vm, const Bytes& l4_in, uint8_t proto = 6, bool bad_checksum = false) {
    const bool vm1 = from_vm == 1;
    const std::string src = vm1 ? "10.0.1.10" : "10.0.2.10", dst = vm1 ? "10.0.2.10" : "10.0.1.10";
    Bytes l4 = l4_in;
    if (proto == 6) {
      Bytes pseudo = ip4(src);
      append(pseudo, ip4(dst));
      pseudo.push_back(0);
      pseudo.push_back(6);
      put16(pseudo, static_cast<uint16_t>(l4.size()));
      const uint16_t c = checksum_finish(checksum_partial(l4.data(), l4.size(), checksum_partial(pseudo.data(), pseudo.size()))).host();
      l4[16] = static_cast<uint8_t>(c >> 8);
      l4[17] = static_cast<uint8_t>(c ^ (bad_checksum ? 1 : 0));
    }
    Bytes frame = eth(kRouterMac, vm1 ? kVm1Mac : kVm2Mac, 0x0800, ipv4(src, dst, proto, l4));
    std::vector<uint8_t> buf(2048);
    std::copy(frame.begin(), frame.end(), buf.begin() + 128);
    Burst b;
    b.count = 1;
    b.in_port = vm1 ? 0 : 1;
    b.frames[0] = Frame{buf.data() + 128, static_cast<uint16_t>(frame.size()), 128, 1024, static_cast<uint32_t>(frame.size())};
    scratch_.ctx.now += 1000000;
    run_pipeline(b, *snap_, scratch_.ctx);
    if (b.verdict[0].action != Action::kDrop) EXPECT_EQ(static_cast<int>(b.verdict[0].action), static_cast<int>(Action::kForward));
    return std::string(drop_reason_name(b.verdict[0].drop));
  }
  // A handshake vm1:sport -> vm2:80; client ISN 1000, server ISN 5000.
  void connect(uint16_t sport) {
    ASSERT_EQ(send(1, tcp_seg(sport, 80, kSyn, 1000, 0)), "none");
    ASSERT_EQ(send(2, tcp_seg(80, sport, kSynAck, 5000, 1001)), "none");
    ASSERT_EQ(send(1, tcp_seg(sport, 80, kAck, 1001, 5001)), "none");
  }
  // Data from the client at stream offset `off`.
  std::string data(uint16_t sport, uint32_t off, const std::string& bytes) {
    return send(1, tcp_seg(sport, 80, kPshAck, 1001 + off, 5001, bytes));
  }
  std::vector<IdsAlertRecord> alerts() {
    std::vector<IdsAlertRecord> out;
    IdsAlertRecord a;
    while (scratch_.ids->alerts.pop(a)) out.push_back(a);
    return out;
  }
  std::vector<uint32_t> alert_sids() {
    std::vector<uint32_t> sids;
    for (const auto& a : alerts()) sids.push_back(a.sid);
    return sids;
  }

  ScratchContext scratch_;
  std::unique_ptr<Snapshot> snap_;
};

TEST_F(Ids, NoEniWithIdsCostsNothingAndAlertsNothing) {
  use("");
  EXPECT_TRUE(snap_->eni_ids.empty());      // the stage returns at its first test
  EXPECT_TRUE(snap_->ids_rulesets.empty());  // a rule set no ENI names is validated, not compiled
  connect(40000);
  EXPECT_EQ(data(40000, 0, "EVILSTRING"), "none");
  EXPECT_TRUE(alerts().empty());
}

TEST_F(Ids, DetectAlertsAndPassesEverything) {
  use("DETECT");
  connect(40000);
  EXPECT_EQ(data(40000, 0, "GET /admin HTTP/1.1\r\n"), "none");
  EXPECT_EQ(data(40000, 21, "X: EVILSTRING\r\n"), "none");
  const auto got = alerts();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].sid, 1u);
  EXPECT_EQ(got[0].rev, 2u);
  EXPECT_EQ(std::string(got[0].eni), "vm2");
  EXPECT_EQ(std::string(got[0].ruleset), "rs-web");
  EXPECT_EQ(got[0].sport, 40000);
  EXPECT_EQ(got[0].dport, 80);
  EXPECT_EQ(got[0].proto, 6);
  EXPECT_TRUE(got[0].to_server);
  EXPECT_EQ(got[1].sid, 2u);
  EXPECT_FALSE(got[1].blocked);  // DETECT: a drop rule only alerts
  EXPECT_EQ(got[0].flow_id, got[1].flow_id);
  EXPECT_EQ(scratch_.ids->counters.alerts.get(), 2u);
}

TEST_F(Ids, PreventCutsTheConnectionAndNothingElse) {
  use("PREVENT");
  connect(40000);
  connect(40001);
  EXPECT_EQ(data(40000, 0, "hello "), "none");
  EXPECT_EQ(data(40000, 6, "EVILSTRING"), "ids_drop");
  const auto got = alerts();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].sid, 2u);
  EXPECT_TRUE(got[0].blocked);
  // The rest of that connection, both ways, even a retransmission without the signature.
  EXPECT_EQ(data(40000, 16, "more"), "ids_drop");
  EXPECT_EQ(send(2, tcp_seg(80, 40000, kAck, 5001, 1017)), "ids_drop");
  // Another connection to the same server is untouched.
  EXPECT_EQ(data(40001, 0, "GET /index.html"), "none");
  EXPECT_EQ(send(2, tcp_seg(80, 40001, kPshAck, 5001, 1016, "200 OK")), "none");
}

TEST_F(Ids, SignatureSplitOverTinySegmentsIsFound) {
  use("PREVENT");
  connect(40000);
  const std::string sig = "EVILSTRING";
  for (size_t i = 0; i + 1 < sig.size(); ++i) EXPECT_EQ(data(40000, static_cast<uint32_t>(i), sig.substr(i, 1)), "none");
  EXPECT_EQ(data(40000, static_cast<uint32_t>(sig.size() - 1), sig.substr(sig.size() - 1)), "ids_drop");
}

TEST_F(Ids, OutOfOrderSegmentsWaitForTheHoleInPrevent) {
  use("PREVENT");
  connect(40000);
  // "EVIL" + "STRING" sent in the wrong order: the later half is refused
  // until the earlier one arrived, so the stream is only read in order.
  EXPECT_EQ(data(40000, 4, "STRING"), "ids_out_of_order");
  EXPECT_EQ(data(40000, 0, "EVIL"), "none");
  EXPECT_EQ(data(40000, 4, "STRING"), "ids_drop");  // the resent half completes the signature
  EXPECT_EQ(scratch_.ids->counters.stream_gaps.get(), 1u);
}

TEST_F(Ids, OverlapWithOtherBytesIsRefusedInPrevent) {
  use("PREVENT");
  connect(40000);
  EXPECT_EQ(data(40000, 0, "EVILSTRXNG"), "none");  // what was inspected
  // A "retransmission" whose bytes differ (the receiver might keep these): refused.
  EXPECT_EQ(data(40000, 0, "EVILSTRING"), "ids_overlap");
  EXPECT_EQ(data(40000, 7, "ING"), "ids_overlap");
  // An honest retransmission passes.
  EXPECT_EQ(data(40000, 0, "EVILSTRXNG"), "none");
  EXPECT_EQ(scratch_.ids->counters.overlap_mismatch.get(), 2u);
}

TEST_F(Ids, ASegmentTheReceiverDiscardsCannotStandInForTheRealOne) {
  use("PREVENT");
  connect(40000);
  // Insertion: junk with a wrong checksum where "EVIL" goes (the receiver
  // drops it); had it been taken into the stream, the real bytes would be
  // an "old" retransmission and "EVIL|STRING" would be read in two pieces.
  EXPECT_EQ(send(1, tcp_seg(40000, 80, kPshAck, 1001, 5001, "JUNK"), 6, true), "none");
  EXPECT_EQ(data(40000, 0, "EVIL"), "none");
  EXPECT_EQ(data(40000, 4, "STRING"), "ids_drop");
  EXPECT_EQ(scratch_.ids->counters.bad_checksum.get(), 1u);
  // A discarded segment is still scanned on its own.
  connect(40001);
  EXPECT_EQ(send(1, tcp_seg(40001, 80, kPshAck, 1001, 5001, "EVILSTRING"), 6, true), "ids_drop");
}

TEST_F(Ids, TheSamePortsAfterACloseAreANewConnection) {
  use("PREVENT");
  connect(40000);
  EXPECT_EQ(data(40000, 0, "TRUSTED-CLIENT "), "none");  // a pass rule: the rest of this connection passes
  EXPECT_EQ(send(1, tcp_seg(40000, 80, 0x04, 1016, 0)), "none");  // RST
  // A new connection on the same ports is inspected from its start.
  ASSERT_EQ(send(1, tcp_seg(40000, 80, kSyn, 90000, 0)), "none");
  ASSERT_EQ(send(2, tcp_seg(80, 40000, kSynAck, 7000, 90001)), "none");
  ASSERT_EQ(send(1, tcp_seg(40000, 80, kAck, 90001, 7001)), "none");
  EXPECT_EQ(send(1, tcp_seg(40000, 80, kPshAck, 90001, 7001, "EVILSTRING")), "ids_drop");
}

TEST_F(Ids, FragmentsArePassedInDetectAndRefusedInPrevent) {
  // No reassembly for inspection: a PREVENT that let them through uninspected would be an evasion.
  for (const char* mode : {"DETECT", "PREVENT"}) {
    SCOPED_TRACE(mode);
    use(mode);
    Bytes whole = udp(5353, 53, Bytes(40, 'b'));
    Ip4Opts first;
    first.frag = 0x2000;  // MF, offset 0
    Ip4Opts second;
    second.frag = 3;  // offset 24 bytes
    const Bytes a(whole.begin(), whole.begin() + 24), b(whole.begin() + 24, whole.end());
    std::string got[2];
    for (int k = 0; k < 2; ++k) {
      Bytes frame = eth(kRouterMac, kVm1Mac, 0x0800, ipv4("10.0.1.10", "10.0.2.10", 17, k ? b : a, k ? second : first));
      std::vector<uint8_t> buf(2048);
      std::copy(frame.begin(), frame.end(), buf.begin() + 128);
      Burst burst;
      burst.count = 1;
      burst.in_port = 0;
      burst.frames[0] = Frame{buf.data() + 128, static_cast<uint16_t>(frame.size()), 128, 1024, static_cast<uint32_t>(frame.size())};
      scratch_.ctx.now += 1000000;
      run_pipeline(burst, *snap_, scratch_.ctx);
      got[k] = std::string(drop_reason_name(burst.verdict[0].drop));
    }
    const std::string want = std::string(mode) == "PREVENT" ? "ids_uninspected" : "none";
    EXPECT_EQ(got[0], want);
    EXPECT_EQ(got[1], want);
  }
}

TEST_F(Ids, ASwitchToDetectLiftsThePreventBlock) {
  use("PREVENT");
  connect(40000);
  EXPECT_EQ(data(40000, 0, "EVILSTRING"), "ids_drop");
  EXPECT_EQ(data(40000, 10, "more"), "ids_drop");
  snap_ = control::compile_snapshot(control::parse_config_json(config("DETECT"), "test"), {{"a", 0}, {"b", 1}});
  EXPECT_EQ(data(40000, 10, "more"), "none");  // DETECT never drops; the block was PREVENT's
}

TEST_F(Ids, EachRuleAlertsOncePerConnection) {
  use("DETECT");
  connect(40000);
  EXPECT_EQ(data(40000, 0, "GET /admin\r\n"), "none");
  EXPECT_EQ(data(40000, 12, "GET /admin\r\n"), "none");  // the window re-reads the carry too
  EXPECT_EQ(alert_sids(), std::vector<uint32_t>{1});
  connect(40001);
  EXPECT_EQ(data(40001, 0, "GET /admin\r\n"), "none");
  EXPECT_EQ(alert_sids(), std::vector<uint32_t>{1});
}

TEST_F(Ids, PassRulePassesTheRestOfTheConnection) {
  use("PREVENT");
  connect(40000);
  EXPECT_EQ(data(40000, 0, "TRUSTED-CLIENT "), "none");
  EXPECT_EQ(data(40000, 15, "EVILSTRING"), "none");
  EXPECT_TRUE(alerts().empty());
}

TEST_F(Ids, FlowDirectionIsTheConnections) {
  use("DETECT");
  connect(40000);
  EXPECT_EQ(data(40000, 0, "SECRET"), "none");  // to the server: sid 6 is to_client
  EXPECT_TRUE(alerts().empty());
  EXPECT_EQ(send(2, tcp_seg(80, 40000, kPshAck, 5001, 1007, "the SECRET")), "none");
  const auto got = alerts();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].sid, 6u);
  EXPECT_FALSE(got[0].to_server);
}

TEST_F(Ids, UdpPayloadsAreScannedPerPacket) {
  use("PREVENT");
  Bytes probe = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0};
  EXPECT_EQ(send(1, udp(5353, 53, probe), 17), "none");
  EXPECT_EQ(alert_sids(), std::vector<uint32_t>{3});
  Bytes bad(probe);
  bad.insert(bad.end(), {'b', 'a', 'd', 'b', 'a', 'd'});
  EXPECT_EQ(send(1, udp(5354, 53, bad), 17), "ids_drop");
  EXPECT_EQ(send(1, udp(5354, 53, {'o', 'k'}), 17), "ids_drop");  // the rest of that flow
  EXPECT_EQ(send(1, udp(5355, 53, {'o', 'k'}), 17), "none");      // another flow
}

TEST_F(Ids, AlertsBeyondTheRingAreCountedNotBlocking) {
  use("DETECT");
  for (uint32_t i = 0; i < kIdsAlertRing + 10; ++i)
    ASSERT_EQ(send(1, udp(5353, 53, {7, 'e', 'x', 'a', 'm', 'p', 'l', 'e'}), 17), "none");  // each datagram alerts
  EXPECT_EQ(scratch_.ids->counters.alerts_dropped.get(), 10u);
  EXPECT_EQ(alerts().size(), kIdsAlertRing);
}

}  // namespace
}  // namespace vfpath
