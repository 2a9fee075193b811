// The counting rules (accounting.h), table by table: verdicts or a transmit
// attempt in -> exactly the counters that change out.
#include "dataplane/accounting.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace vfpath::test {
namespace {

// Three ENIs on counter slots 5, 9 and 2 (slots are not indices).
std::vector<EniEntry> enis() {
  std::vector<EniEntry> e(3);
  e[0].counter_slot = 5;
  e[1].counter_slot = 9;
  e[2].counter_slot = 2;
  return e;
}

// Every non-zero counter of `c`, by name, e.g. "eni5.rx_packets", "drop.sg_deny".
std::map<std::string, uint64_t> nonzero(const LcoreCounters& c) {
  std::map<std::string, uint64_t> out;
  auto put = [&](const std::string& name, const Counter& k) {
    if (k.get()) out[name] = k.get();
  };
  for (size_t r = 0; r < kDropReasonCount; ++r)
    put("drop." + std::string(drop_reason_name(static_cast<DropReason>(r))), c.drops[r]);
  for (size_t p = 0; p < c.ports.size(); ++p) {
    const std::string n = "port" + std::to_string(p) + ".";
    put(n + "rx_packets", c.ports[p].rx_packets);
    put(n + "rx_bytes", c.ports[p].rx_bytes);
    put(n + "tx_packets", c.ports[p].tx_packets);
    put(n + "tx_bytes", c.ports[p].tx_bytes);
  }
  for (size_t s = 0; s < c.enis.size(); ++s) {
    const std::string n = "eni" + std::to_string(s) + ".";
    put(n + "rx_packets", c.enis[s].rx_packets);
    put(n + "rx_bytes", c.enis[s].rx_bytes);
    put(n + "tx_packets", c.enis[s].tx_packets);
    put(n + "tx_bytes", c.enis[s].tx_bytes);
    for (size_t r = 0; r < kDropReasonCount; ++r)
      put(n + "drop." + std::string(drop_reason_name(static_cast<DropReason>(r))), c.enis[s].drops[r]);
    for (size_t k = 0; k < kTrafficClasses; ++k) {
      const std::string m = n + kTrafficClassNames[k] + ".";
      put(m + "out_packets", c.enis[s].out_packets[k]);
      put(m + "out_bytes", c.enis[s].out_bytes[k]);
      put(m + "in_packets", c.enis[s].in_packets[k]);
      put(m + "in_bytes", c.enis[s].in_bytes[k]);
    }
  }
  for (size_t h = 0; h < c.nacl_hits.size(); ++h) put("nacl_hit" + std::to_string(h), c.nacl_hits[h]);
  return out;
}

Verdict forward(uint16_t in, uint16_t out) {
  Verdict v;
  v.action = Action::kForward;
  v.in_eni = in;
  v.out_eni = out;
  return v;
}
Verdict drop(uint16_t in, DropReason r, uint16_t out = kNoEni) {
  Verdict v;
  v.drop_with(r);
  v.in_eni = in;
  v.out_eni = out;
  return v;
}
Verdict handoff(uint16_t in) {
  Verdict v;
  v.action = Action::kHandoff;
  v.in_eni = in;
  v.owner = 1;
  return v;
}
Verdict with_nacl_hits(Verdict v, uint32_t egress, uint32_t ingress) {
  v.nacl_hit[0] = egress;
  v.nacl_hit[1] = ingress;
  return v;
}

struct VerdictCase {
  const char* proves;
  std::vector<Verdict> verdicts;
  std::vector<uint32_t> lengths;
  std::map<std::string, uint64_t> want;
};

TEST(Accounting, VerdictsCountTheSenderTheReasonAndTheNaclEntries) {
  const std::vector<VerdictCase> cases = {
      {"forwarded frames count as rx of the sending ENI (its slot), bytes as received",
       {forward(0, 1), forward(0, 1)}, {60, 100},
       {{"eni5.rx_packets", 2}, {"eni5.rx_bytes", 160}, {"eni5.local.out_packets", 2}, {"eni5.local.out_bytes", 160}}},
      {"runs of different senders each count on their own slot",
       {forward(0, 1), forward(1, 0), forward(0, 2)}, {60, 70, 80},
       {{"eni5.rx_packets", 2}, {"eni5.rx_bytes", 140}, {"eni9.rx_packets", 1}, {"eni9.rx_bytes", 70},
        {"eni5.local.out_packets", 2}, {"eni5.local.out_bytes", 140}, {"eni9.local.out_packets", 1},
        {"eni9.local.out_bytes", 70}}},
      {"what a VM sends is metered by where it goes: here, the overlay, the internet; drops are not",
       {forward(0, 1), forward(0, kUplinkEni), forward(0, kInternetEni), forward(0, kInternetEni), drop(0, DropReason::kNoRoute)},
       {60, 100, 200, 300, 50},
       {{"eni5.rx_packets", 5}, {"eni5.rx_bytes", 710}, {"drop.no_route", 1}, {"eni5.drop.no_route", 1},
        {"eni5.local.out_packets", 1}, {"eni5.local.out_bytes", 60}, {"eni5.overlay.out_packets", 1},
        {"eni5.overlay.out_bytes", 100}, {"eni5.internet.out_packets", 2}, {"eni5.internet.out_bytes", 500}}},
      {"a drop counts globally and on the sender, which also counts it as rx",
       {drop(2, DropReason::kSgDeny)}, {64},
       {{"drop.sg_deny", 1}, {"eni2.drop.sg_deny", 1}, {"eni2.rx_packets", 1}, {"eni2.rx_bytes", 64}}},
      {"overlay ingress (no sender): the drop is charged to the ENI it was for, no rx",
       {drop(kNoEni, DropReason::kNaclDeny, 1)}, {90},
       {{"drop.nacl_deny", 1}, {"eni9.drop.nacl_deny", 1}}},
      {"a drop with neither end known counts globally only",
       {drop(kNoEni, DropReason::kBadEncap)}, {90},
       {{"drop.bad_encap", 1}}},
      {"a handed-over frame counts nothing here: its owner counts it",
       {handoff(0), handoff(0)}, {60, 60},
       {}},
      {"a reply (ICMP error) keeps its reason counted",
       {[] { Verdict v = drop(0, DropReason::kTtlExceeded); v.action = Action::kReply; v.out_eni = 0; return v; }()},
       {60},
       {{"drop.ttl_exceeded", 1}, {"eni5.drop.ttl_exceeded", 1}, {"eni5.rx_packets", 1}, {"eni5.rx_bytes", 60}}},
      {"NACL hit slots are counted slot + 1 -> slot, both directions",
       {with_nacl_hits(forward(0, 1), 4, 7), with_nacl_hits(drop(0, DropReason::kNaclDeny), 4, 0)}, {60, 60},
       {{"nacl_hit3", 2}, {"nacl_hit6", 1}, {"drop.nacl_deny", 1}, {"eni5.drop.nacl_deny", 1},
        {"eni5.rx_packets", 2}, {"eni5.rx_bytes", 120}, {"eni5.local.out_packets", 1}, {"eni5.local.out_bytes", 60}}},
  };
  const std::vector<EniEntry> e = enis();
  for (const VerdictCase& c : cases) {
    SCOPED_TRACE(c.proves);
    auto counters = std::make_unique<LcoreCounters>();
    account_verdicts(*counters, e, c.verdicts.data(), c.lengths.data(), static_cast<uint16_t>(c.verdicts.size()));
    EXPECT_EQ(nonzero(*counters), c.want);
  }
}

struct TxCase {
  const char* proves;
  std::vector<uint32_t> slots;
  std::vector<uint32_t> bytes;
  uint16_t sent;
  std::map<std::string, uint64_t> want;
};

TEST(Accounting, TransmitCountsWhatLeftAndTxFullForTheRest) {
  const std::vector<TxCase> cases = {
      {"all sent: port and per-ENI tx", {5, 5, 9}, {60, 70, 80}, 3,
       {{"port3.tx_packets", 3}, {"port3.tx_bytes", 210}, {"eni5.tx_packets", 2}, {"eni5.tx_bytes", 130},
        {"eni9.tx_packets", 1}, {"eni9.tx_bytes", 80}}},
      {"the unsent tail is tx_full, globally and per ENI", {5, 9, 9}, {60, 70, 80}, 1,
       {{"port3.tx_packets", 1}, {"port3.tx_bytes", 60}, {"eni5.tx_packets", 1}, {"eni5.tx_bytes", 60},
        {"drop.tx_full", 2}, {"eni9.drop.tx_full", 2}}},
      {"uplink frames (no ENI slot) count on the port only, tx_full globally", {kNoCounterSlot, kNoCounterSlot},
       {100, 100}, 1, {{"port3.tx_packets", 1}, {"port3.tx_bytes", 100}, {"drop.tx_full", 1}}},
      {"nothing sent", {5}, {60}, 0, {{"drop.tx_full", 1}, {"eni5.drop.tx_full", 1}}},
  };
  for (const TxCase& c : cases) {
    SCOPED_TRACE(c.proves);
    auto counters = std::make_unique<LcoreCounters>();
    account_tx(*counters, 3, c.slots.data(), c.bytes.data(), static_cast<uint16_t>(c.slots.size()), c.sent);
    EXPECT_EQ(nonzero(*counters), c.want);
  }
}

TEST(Accounting, WhatAVmIsDeliveredIsMeteredByWhereItCameFrom) {
  auto counters = std::make_unique<LcoreCounters>();
  const uint32_t slots[] = {5, 5, 5, 9, 9};
  const uint32_t bytes[] = {60, 70, 80, 90, 100};
  const TrafficClass classes[] = {TrafficClass::kLocal, TrafficClass::kOverlay, TrafficClass::kInternet,
                                  TrafficClass::kNone, TrafficClass::kInternet};
  account_tx(*counters, 3, slots, bytes, 5, 4, classes);  // the last one does not leave
  const std::map<std::string, uint64_t> want = {
      {"port3.tx_packets", 4}, {"port3.tx_bytes", 300}, {"eni5.tx_packets", 3}, {"eni5.tx_bytes", 210},
      {"eni9.tx_packets", 1}, {"eni9.tx_bytes", 90}, {"drop.tx_full", 1}, {"eni9.drop.tx_full", 1},
      {"eni5.local.in_packets", 1}, {"eni5.local.in_bytes", 60}, {"eni5.overlay.in_packets", 1},
      {"eni5.overlay.in_bytes", 70}, {"eni5.internet.in_packets", 1}, {"eni5.internet.in_bytes", 80}};
  EXPECT_EQ(nonzero(*counters), want) << "a router reply (kNone) and a frame that did not leave are not metered";
  EXPECT_EQ(source_class(2, 3), TrafficClass::kLocal);
  EXPECT_EQ(source_class(kNoEni, 3), TrafficClass::kOverlay) << "decapsulated: no sending ENI";
  EXPECT_EQ(source_class(kInternetEni, 3), TrafficClass::kInternet);
}

TEST(Accounting, PortRxAndHandoffFull) {
  auto counters = std::make_unique<LcoreCounters>();
  account_port_rx(*counters, 2, 4, 400);
  account_handoff_full(*counters, 3);
  account_handoff_full(*counters, 0);
  const std::map<std::string, uint64_t> want = {
      {"port2.rx_packets", 4}, {"port2.rx_bytes", 400}, {"drop.handoff_full", 3}};
  EXPECT_EQ(nonzero(*counters), want);
}

}  // namespace
}  // namespace vfpath::test
