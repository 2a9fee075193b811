// Security groups and connection tracking through the real pipeline, no EAL:
// sequences of packets (each step: frame in -> verdict, drop reason, what
// tracking made of it per ENI), over one worker's tables and a fake clock.
// What AWS users rely on: replies need no rule, other ports are refused,
// RELATED ICMP passes, fragments follow their first fragment, allowances
// stop only new connections, rule removal keeps tracked connections (unless
// revalidate) and cuts untracked ones at once.
#include <gtest/gtest.h>

#include "control/address_set_state.h"
#include "control/compile.h"
#include "control/config_file.h"
#include "control/model.h"
#include "dataplane/pipeline.h"
#include "tests/dataplane/held_fragments.h"
#include "tests/packet/frames.h"

namespace vfpath {
namespace {

using namespace test;

const std::string kVm3Mac = "02:00:00:00:03:0a";

// vm1 (sg-client: egress everywhere, no ingress), vm2 (sg-web: tcp 80 from
// the VPC, echo from sn-1, no egress), vm3 (sg-open: all both ways, so its
// TCP/UDP is untracked), vm4 (default group, allowance 2).
std::string config(const std::string& web_ingress, bool revalidate, uint64_t generation = 1) {
  return R"({"generation": )" + std::to_string(generation) + R"(,
  "ports": [{"name": "a", "devargs": "net_null0", "role": "ENI"}, {"name": "b", "devargs": "net_null1", "role": "ENI"},
            {"name": "c", "devargs": "net_null2", "role": "ENI"}, {"name": "d", "devargs": "net_null3", "role": "ENI"}],
  "vpcs": [{"id": "vpc-1", "cidrs": ["10.0.0.0/16"]}],
  "subnets": [{"id": "sn-1", "vpc": "vpc-1", "ipv4_cidr": "10.0.1.0/24"}, {"id": "sn-2", "vpc": "vpc-1", "ipv4_cidr": "10.0.2.0/24"}],
  "security_groups": [
    {"id": "sg-client", "vpc": "vpc-1", "egress": [{"protocol": "all", "cidrs": ["0.0.0.0/0"]}]},
    {"id": "sg-web", "vpc": "vpc-1", "ingress": [)" + web_ingress + R"(]},
    {"id": "sg-open", "vpc": "vpc-1", "ingress": [{"protocol": "all", "cidrs": ["0.0.0.0/0"]}],
                                      "egress": [{"protocol": "all", "cidrs": ["0.0.0.0/0"]}]}],
  "enis": [{"id": "vm1", "port": "a", "mac": "02:00:00:00:01:0a", "subnet": "sn-1", "ipv4": ["10.0.1.10"], "security_groups": ["sg-client"]},
           {"id": "vm2", "port": "b", "mac": "02:00:00:00:02:0a", "subnet": "sn-2", "ipv4": ["10.0.2.10"], "security_groups": ["sg-web"],
            "conntrack": {"revalidate": )" + (revalidate ? "true" : "false") + R"(}},
           {"id": "vm3", "port": "c", "mac": "02:00:00:00:03:0a", "subnet": "sn-2", "ipv4": ["10.0.2.20"], "security_groups": ["sg-open"]},
           {"id": "vm4", "port": "d", "mac": "02:00:00:00:04:0a", "subnet": "sn-1", "ipv4": ["10.0.1.40"], "conntrack": {"allowance": 2}}]})";
}
const std::string kWebRules = R"({"protocol": "tcp", "port_range": {"from": 80, "to": 80}, "cidrs": ["10.0.0.0/16"]},
                                  {"protocol": "icmp", "icmp": {"type": 8, "code": -1}, "cidrs": ["10.0.1.0/24"]})";

std::unique_ptr<Snapshot> compile(const std::string& text) {
  return control::compile_snapshot(control::parse_config_json(text, "test"), {{"a", 0}, {"b", 1}, {"c", 2}, {"d", 3}});
}

Bytes tcp_seg(uint16_t sport, uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack) {
  Bytes b;
  put16(b, sport); put16(b, dport); put32(b, seq); put32(b, ack);
  b.push_back(5 << 4);
  b.push_back(flags);
  put16(b, 65535); put16(b, 0); put16(b, 0);
  return b;
}
constexpr uint8_t kSyn = 0x02, kAck = 0x10, kRst = 0x04, kSynAck = 0x12;

const std::string kMacs[] = {kVm1Mac, kVm2Mac, kVm3Mac, "02:00:00:00:04:0a"};
Bytes from(int vm, const Bytes& ip) { return eth(kRouterMac, kMacs[vm - 1], 0x0800, ip); }

struct Step {
  const char* proves;
  uint16_t port;  // = vm - 1
  Bytes frame;
  DropReason drop;                      // kNone: forwarded
  CtNote sender = CtNote::kNone;        // expected verdict.ct[0]
  CtNote receiver = CtNote::kNone;      // expected verdict.ct[1]
};

// Runs one burst of frames from one port, 1 ms after the last.
std::vector<Verdict> run_burst(const Snapshot& snap, PipelineContext& ctx, uint16_t port, const std::vector<Bytes>& frames) {
  std::vector<std::vector<uint8_t>> bufs(frames.size(), std::vector<uint8_t>(2048));
  Burst b;
  b.count = static_cast<uint16_t>(frames.size());
  b.in_port = port;
  for (size_t i = 0; i < frames.size(); ++i) {
    std::copy(frames[i].begin(), frames[i].end(), bufs[i].begin() + 128);
    b.frames[i] = Frame{bufs[i].data() + 128, static_cast<uint16_t>(frames[i].size()), 128, 1024,
                        static_cast<uint32_t>(frames[i].size())};
  }
  ctx.now += 1000000;
  run_pipeline(b, snap, ctx);
  return {b.verdict, b.verdict + b.count};
}

class Runner {
 public:
  explicit Runner(std::unique_ptr<Snapshot> s) : snap_(std::move(s)) {}
  void replace(std::unique_ptr<Snapshot> s) {
    snap_ = std::move(s);
    for (const EniEntry& e : snap_->enis) scratch_.flows->set_zone(static_cast<uint16_t>(e.counter_slot), e.conntrack);
  }
  void zones() { replace(std::move(snap_)); }
  Verdict run(const Step& st) {
    SCOPED_TRACE(st.proves);
    const Verdict v = run_burst(*snap_, scratch_.ctx, st.port, {st.frame})[0];
    EXPECT_EQ(drop_reason_name(v.drop), drop_reason_name(st.drop));
    EXPECT_EQ(static_cast<int>(v.action), static_cast<int>(st.drop == DropReason::kNone ? Action::kForward : Action::kDrop));
    if (st.drop == DropReason::kNone) {
      EXPECT_EQ(static_cast<int>(v.ct[0]), static_cast<int>(st.sender));
      EXPECT_EQ(static_cast<int>(v.ct[1]), static_cast<int>(st.receiver));
    }
    return v;
  }
  void run_all(const std::vector<Step>& steps) {
    for (const Step& s : steps) run(s);
  }
  const Snapshot& snap() const { return *snap_; }
  ct::FlowTable& flows() { return *scratch_.flows; }
  PipelineContext& ctx() { return scratch_.ctx; }

 private:
  std::unique_ptr<Snapshot> snap_;
  ScratchContext scratch_;
};

constexpr auto kOk = DropReason::kNone;
constexpr auto kNew = CtNote::kNew, kEst = CtNote::kEstablished, kUntracked = CtNote::kUntracked;

Bytes v4(const std::string& s, const std::string& d, uint8_t proto, const Bytes& l4, Ip4Opts o = {}) {
  return ipv4(s, d, proto, l4, o);
}

TEST(ConntrackStage, TcpHandshakeRepliesNeedNoRuleOtherPortsAreRefused) {
  Runner r(compile(config(kWebRules, false)));
  r.zones();
  const Verdict syn = r.run({"SYN to vm2:80: vm1's egress and vm2's ingress admit a new connection", 0,
                             from(1, v4("10.0.1.10", "10.0.2.10", 6, tcp_seg(40000, 80, kSyn, 100, 0))), kOk, kNew, kNew});
  EXPECT_EQ(r.snap().sg_policies[r.snap().eni_ct[1].sg_policy]->rule_names.at(syn.sg_rule[1] - 1),
            "sg-web ingress[0] 10.0.0.0/16");
  r.run_all({
      {"SYN-ACK from vm2 is a reply: no egress rule needed", 1,
       from(2, v4("10.0.2.10", "10.0.1.10", 6, tcp_seg(80, 40000, kSynAck, 5000, 101))), kOk, kEst, kEst},
      {"ACK completes the handshake", 0, from(1, v4("10.0.1.10", "10.0.2.10", 6, tcp_seg(40000, 80, kAck, 101, 5001))), kOk, kEst, kEst},
      {"data both ways", 1, from(2, v4("10.0.2.10", "10.0.1.10", 6, tcp_seg(80, 40000, kAck, 5001, 101))), kOk, kEst, kEst},
      {"an RST far outside the window is tcp_invalid", 0,
       from(1, v4("10.0.1.10", "10.0.2.10", 6, tcp_seg(40000, 80, kRst, 900000000, 0))), DropReason::kTcpInvalid},
      {"the connection still works after the invalid RST", 0,
       from(1, v4("10.0.1.10", "10.0.2.10", 6, tcp_seg(40000, 80, kAck, 101, 5001))), kOk, kEst, kEst},
      {"SYN to vm2:22: no ingress rule", 0, from(1, v4("10.0.1.10", "10.0.2.10", 6, tcp_seg(40001, 22, kSyn, 1, 0))),
       DropReason::kSgDeny},
      {"vm2 cannot originate: sg-web has no egress rule", 1,
       from(2, v4("10.0.2.10", "10.0.1.10", 6, tcp_seg(5555, 80, kSyn, 1, 0))), DropReason::kSgDeny},
      {"UDP to vm2: no rule", 0, from(1, v4("10.0.1.10", "10.0.2.10", 17, udp(5353, 53))), DropReason::kSgDeny},
      {"a bare ACK of an unknown connection is picked up mid-stream if allowed", 0,
       from(1, v4("10.0.1.10", "10.0.2.10", 6, tcp_seg(40002, 80, kAck, 7, 7))), kOk, kNew, kNew},
  });
  // The refused SYN to :22 left nothing in vm1's zone: the two admitted
  // connections hold two entries in each zone.
  EXPECT_EQ(r.flows().zone_count(0), 2u);
  EXPECT_EQ(r.flows().zone_count(1), 2u);
}

TEST(ConntrackStage, IcmpEchoNeedsARuleAndErrorsMustBeRelated) {
  Runner r(compile(config(kWebRules, false)));
  r.zones();
  r.run_all({
      {"echo request allowed by the ICMP rule", 0, from(1, v4("10.0.1.10", "10.0.2.10", 1, icmp4(8, 0, 77, 1))), kOk, kNew, kNew},
      {"the echo reply is tracked", 1, from(2, v4("10.0.2.10", "10.0.1.10", 1, icmp4(0, 0, 77, 1))), kOk, kEst, kEst},
      {"echo from vm2 to vm1: vm2 has no egress rule", 1, from(2, v4("10.0.2.10", "10.0.1.10", 1, icmp4(8, 0, 9, 1))),
       DropReason::kSgDeny},
      {"SYN to vm2:80", 0, from(1, v4("10.0.1.10", "10.0.2.10", 6, tcp_seg(40000, 80, kSyn, 100, 0))), kOk, kNew, kNew},
      {"port unreachable about it from vm2 is RELATED (no ICMP rule needed)", 1,
       from(2, v4("10.0.2.10", "10.0.1.10", 1,
                  icmp4(3, 3, 0, 0, v4("10.0.1.10", "10.0.2.10", 6, tcp_seg(40000, 80, kSyn, 100, 0))))),
       kOk, CtNote::kRelated, CtNote::kRelated},
      {"an error quoting a connection nobody has is dropped", 1,
       from(2, v4("10.0.2.10", "10.0.1.10", 1,
                  icmp4(3, 4, 0, 1400, v4("10.0.1.10", "10.0.2.10", 17, udp(9, 9))))),
       DropReason::kIcmpUnrelated},
  });
}

// A third party's ICMP error — a router's frag-needed or packet-too-big
// (here vm3, all-open, in the path as a NAT instance would be) — quotes a
// connection only its receiver tracks: RELATED there, and the sender's
// egress rules judge it as ICMP. Both directions of the connection, both
// families; an error quoting what nobody tracks, from a sender whose rules do
// not allow it or to a receiver whose rules do not, is still dropped.
std::string dual_stack(std::string text) {
  auto sub = [&](const std::string& from, const std::string& to) {
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) text.replace(at, from.size(), to);
  };
  sub(R"("cidrs": ["0.0.0.0/0"])", R"("cidrs": ["0.0.0.0/0", "::/0"])");
  sub(R"("cidrs": ["10.0.0.0/16"])", R"("cidrs": ["10.0.0.0/16", "fd00:10::/32"])");
  sub(R"("ipv4_cidr": "10.0.1.0/24")", R"("ipv4_cidr": "10.0.1.0/24", "ipv6_cidr": "fd00:10:0:1::/64")");
  sub(R"("ipv4_cidr": "10.0.2.0/24")", R"("ipv4_cidr": "10.0.2.0/24", "ipv6_cidr": "fd00:10:0:2::/64")");
  for (const char* host : {"1.10", "2.10", "2.20", "1.40"}) {
    const std::string v4addr = std::string("10.0.") + host, h(host);
    const std::string v6addr = "fd00:10:0:" + h.substr(0, 1) + "::" + h.substr(2);
    sub("\"ipv4\": [\"" + v4addr + "\"]", "\"ipv4\": [\"" + v4addr + "\"], \"ipv6\": [\"" + v6addr + "\"]");
  }
  return text;
}
Bytes from6(int vm, const Bytes& ip) { return eth(kRouterMac, kMacs[vm - 1], 0x86dd, ip); }

TEST(ConntrackStage, ThirdPartyIcmpErrorsAreRelatedOnTheReceiversConnection) {
  Runner r(compile(dual_stack(config(kWebRules, false))));
  r.zones();
  const Bytes to_web = v4("10.0.1.10", "10.0.2.10", 6, tcp_seg(40000, 80, kSyn, 100, 0));
  const Bytes from_web = v4("10.0.2.10", "10.0.1.10", 6, tcp_seg(80, 40000, kSynAck, 5000, 101));
  const Bytes to_web6 = ipv6("fd00:10:0:1::10", "fd00:10:0:2::10", 6, tcp_seg(40000, 80, kSyn, 100, 0));
  const Bytes from_web6 = ipv6("fd00:10:0:2::10", "fd00:10:0:1::10", 6, tcp_seg(80, 40000, kSynAck, 5000, 101));
  auto frag_needed = [](const std::string& from, const std::string& to, const Bytes& quoted) {
    return v4(from, to, 1, icmp4(3, 4, 0, 1400, quoted));
  };
  auto too_big = [](const std::string& from, const std::string& to, const Bytes& quoted) {
    return icmp6_packet(from, to, icmp6_body(2, 0, 0, 1280, quoted));
  };
  constexpr auto kAllowed = CtNote::kIcmpAllowed, kRelated = CtNote::kRelated;
  r.run_all({
      {"vm1 connects to vm2:80", 0, from(1, to_web), kOk, kNew, kNew},
      {"vm2 answers", 1, from(2, from_web), kOk, kEst, kEst},
      {"vm1 connects to vm2:80 over IPv6", 0, from6(1, to_web6), kOk, kNew, kNew},
      {"vm2 answers over IPv6", 1, from6(2, from_web6), kOk, kEst, kEst},
      {"a router's frag-needed to vm1 about vm1's packet: RELATED at vm1 (no ingress rule), vm3's egress allows ICMP", 2,
       from(3, frag_needed("10.0.2.20", "10.0.1.10", to_web)), kOk, kAllowed, kRelated},
      {"and to vm2 about vm2's reply: RELATED at vm2", 2, from(3, frag_needed("10.0.2.20", "10.0.2.10", from_web)), kOk,
       kAllowed, kRelated},
      {"packet-too-big to vm1 about vm1's IPv6 packet", 2, from6(3, too_big("fd00:10:0:2::20", "fd00:10:0:1::10", to_web6)),
       kOk, kAllowed, kRelated},
      {"and to vm2 about its IPv6 reply", 2, from6(3, too_big("fd00:10:0:2::20", "fd00:10:0:2::10", from_web6)), kOk,
       kAllowed, kRelated},
      {"an error quoting a flow vm1 never had: vm1's rules do not allow ICMP in", 2,
       from(3, frag_needed("10.0.2.20", "10.0.1.10", v4("10.0.1.10", "10.0.2.10", 6, tcp_seg(41000, 80, kSyn, 1, 0)))),
       DropReason::kIcmpUnrelated},
      {"the same over IPv6", 2,
       from6(3, too_big("fd00:10:0:2::20", "fd00:10:0:1::10",
                        ipv6("fd00:10:0:1::10", "fd00:10:0:2::10", 6, tcp_seg(41000, 80, kSyn, 1, 0)))),
       DropReason::kIcmpUnrelated},
      {"vm1 sends UDP to vm3 (untracked at vm3, tracked at vm1)", 0, from(1, v4("10.0.1.10", "10.0.2.20", 17, udp(5000, 53))),
       kOk, kNew, kUntracked},
      {"vm3's port unreachable: nothing tracked at vm3, its rules allow it; RELATED at vm1", 2,
       from(3, v4("10.0.2.20", "10.0.1.10", 1, icmp4(3, 3, 0, 0, v4("10.0.1.10", "10.0.2.20", 17, udp(5000, 53))))), kOk,
       kAllowed, kRelated},
      {"vm2 (no egress rule) cannot send a third party's error about vm1's connection", 1,
       from(2, frag_needed("10.0.2.10", "10.0.1.10", v4("10.0.1.10", "10.0.2.20", 17, udp(5000, 53)))),
       DropReason::kIcmpUnrelated},
      {"an error to vm3 about nothing: vm1's egress and vm3's ingress both allow ICMP", 0,
       from(1, frag_needed("10.0.1.10", "10.0.2.20", v4("10.0.2.20", "10.0.1.99", 17, udp(1, 2)))), kOk, kAllowed, kAllowed},
  });
  // Errors are never tracked: only the two connections and the UDP flow hold entries at vm1.
  EXPECT_EQ(r.flows().zone_count(0), 3u);
  EXPECT_EQ(r.flows().zone_count(2), 0u);
}

TEST(ConntrackStage, FragmentsFollowTheirFirstFragment) {
  Runner r(compile(config(kWebRules, false)));
  r.zones();
  auto frag = [](uint16_t id, uint16_t word, const Bytes& l4, uint8_t proto = 17) {
    Ip4Opts o;
    o.id = id;
    o.frag = word;
    return v4("10.0.1.10", "10.0.2.20", proto, l4, o);
  };
  auto frag_to_vm2 = [](uint16_t id, uint16_t word, const Bytes& l4) {
    Ip4Opts o;
    o.id = id;
    o.frag = word;
    return v4("10.0.1.10", "10.0.2.10", 17, l4, o);
  };
  r.run_all({
      {"first fragment of UDP to vm3 (untracked there, new in vm1's zone)", 0,
       from(1, frag(1, 0x2000, udp(4000, 53, Bytes(32), 1000))), kOk, kNew, kUntracked},
      {"its second fragment follows", 0, from(1, frag(1, 0x2005, Bytes(40))), kOk, CtNote::kFragment, CtNote::kFragment},
      {"a fragment of a datagram never started is an orphan", 0, from(1, frag(2, 0x0005, Bytes(40))),
       DropReason::kFragmentOrphan},
      {"first fragment of UDP to vm2: denied", 0, from(1, frag_to_vm2(3, 0x2000, udp(4000, 53, Bytes(32), 1000))),
       DropReason::kSgDeny},
      {"its later fragment is denied the same way", 0, from(1, frag_to_vm2(3, 0x0005, Bytes(40))), DropReason::kSgDeny},
      {"first fragment of TCP to vm3", 0, from(1, frag(4, 0x2000, tcp_seg(4000, 22, kSyn, 1, 0), 6)), kOk, kNew, kUntracked},
      {"a fragment at offset 16 would overwrite its TCP header: overlap", 0, from(1, frag(4, 0x2002, Bytes(24), 6)),
       DropReason::kFragmentOverlap},
  });
}

// Fragments ahead of their first fragment, as a worker sees them: the
// pipeline leaves each as kHold; once the first fragment is decided, the held
// ones resumed (resume_held_fragments, as the worker does) meet exactly what
// it met — allowed, or refused by the same security-group port rule.
TEST(ConntrackStage, FragmentsAheadOfTheirFirstAreHeldThenMeetWhatItMet) {
  Runner r(compile(dual_stack(config(kWebRules, false))));
  r.zones();
  r.ctx().hold_early_fragments = true;
  auto v4frag = [](const char* dst, uint8_t proto, uint16_t id, uint16_t word, const Bytes& l4) {
    Ip4Opts o;
    o.id = id;
    o.frag = word;
    return from(1, v4("10.0.1.10", dst, proto, l4, o));
  };
  auto v6frag = [](const char* dst, uint8_t proto, uint8_t id, uint16_t offset, bool more, const Bytes& l4) {
    Bytes payload = frag6(proto, offset, more);
    payload[7] = id;
    append(payload, l4);
    return from6(1, ipv6("fd00:10:0:1::10", dst, 44, payload));
  };
  const Bytes syn24 = [] { Bytes b = tcp_seg(40000, 80, kSyn, 1, 0); b.resize(24); return b; }();
  const Bytes syn22 = [] { Bytes b = tcp_seg(40001, 22, kSyn, 1, 0); b.resize(24); return b; }();
  struct Case {
    const char* proves;
    std::vector<Bytes> later;  // in arrival order, all before the first fragment
    Bytes first;
    DropReason expect;
  };
  const std::vector<Case> cases = {
      {"UDP to vm3 in order 3-2-1: all leave",
       {v4frag("10.0.2.20", 17, 21, 0x000a, Bytes(16)), v4frag("10.0.2.20", 17, 21, 0x2005, Bytes(40))},
       v4frag("10.0.2.20", 17, 21, 0x2000, udp(4000, 53, Bytes(32), 96)), kOk},
      {"UDP to vm2, which allows no UDP, 2-1: the follower is refused like the first",
       {v4frag("10.0.2.10", 17, 22, 0x0005, Bytes(16))}, v4frag("10.0.2.10", 17, 22, 0x2000, udp(4000, 53, Bytes(32), 56)),
       DropReason::kSgDeny},
      {"TCP to vm2:80 (allowed), 2-1", {v4frag("10.0.2.10", 6, 23, 0x0003, Bytes(16))}, v4frag("10.0.2.10", 6, 23, 0x2000, syn24),
       kOk},
      {"TCP to vm2:22 (no rule), 2-1", {v4frag("10.0.2.10", 6, 24, 0x0003, Bytes(16))}, v4frag("10.0.2.10", 6, 24, 0x2000, syn22),
       DropReason::kSgDeny},
      {"ICMP echo to vm2 (allowed from sn-1, tracked), 3-2-1",
       {v4frag("10.0.2.10", 1, 25, 0x000a, Bytes(8)), v4frag("10.0.2.10", 1, 25, 0x2005, Bytes(40))},
       v4frag("10.0.2.10", 1, 25, 0x2000, icmp4(8, 0, 5, 1, Bytes(32))), kOk},
      {"IPv6 UDP to vm3, 3-2-1",
       {v6frag("fd00:10:0:2::20", 17, 31, 80, false, Bytes(16)), v6frag("fd00:10:0:2::20", 17, 31, 40, true, Bytes(40))},
       v6frag("fd00:10:0:2::20", 17, 31, 0, true, udp(4000, 53, Bytes(32), 96)), kOk},
      {"IPv6 TCP to vm2:80 (allowed), 2-1", {v6frag("fd00:10:0:2::10", 6, 32, 24, false, Bytes(16))},
       v6frag("fd00:10:0:2::10", 6, 32, 0, true, syn24), kOk},
      {"IPv6 TCP to vm2:22 (no rule), 2-1", {v6frag("fd00:10:0:2::10", 6, 33, 24, false, Bytes(16))},
       v6frag("fd00:10:0:2::10", 6, 33, 0, true, [] { Bytes b = tcp_seg(40002, 22, kSyn, 1, 0); b.resize(24); return b; }()),
       DropReason::kSgDeny},
      {"a held fragment starting inside the first's TCP header (offset 16) is an overlap",
       {v4frag("10.0.2.10", 6, 26, 0x2002, Bytes(16))}, v4frag("10.0.2.10", 6, 26, 0x2000, syn24), DropReason::kFragmentOverlap},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.proves);
    std::vector<Parked> held;
    for (const Bytes& f : c.later) {
      held.push_back(through_pipeline(r.snap(), r.ctx(), 0, f));
      EXPECT_EQ(static_cast<int>(held.back().verdict.action), static_cast<int>(Action::kHold))
          << drop_reason_name(held.back().verdict.drop);
    }
    const Parked first = through_pipeline(r.snap(), r.ctx(), 0, c.first);
    const DropReason first_expect = c.expect == DropReason::kFragmentOverlap ? kOk : c.expect;
    EXPECT_EQ(drop_reason_name(first.verdict.drop), drop_reason_name(first_expect));
    for (const Verdict& v : resume(r.snap(), r.ctx(), 0, held)) {
      EXPECT_EQ(drop_reason_name(v.drop), drop_reason_name(c.expect));
      if (c.expect != kOk) continue;
      EXPECT_EQ(static_cast<int>(v.action), static_cast<int>(Action::kForward));
      EXPECT_EQ(static_cast<int>(v.ct[0]), static_cast<int>(CtNote::kFragment));
      EXPECT_EQ(static_cast<int>(v.ct[1]), static_cast<int>(CtNote::kFragment));
    }
  }
  std::vector<Parked> alone{through_pipeline(r.snap(), r.ctx(), 0, v4frag("10.0.2.20", 17, 27, 0x0005, Bytes(16)))};
  EXPECT_EQ(drop_reason_name(resume(r.snap(), r.ctx(), 0, alone)[0].drop), "fragment_orphan")
      << "resumed with no first fragment seen: an orphan, never held again";
}

TEST(ConntrackStage, AllowanceStopsOnlyNewConnectionsOfThatEni) {
  Runner r(compile(config(kWebRules, false)));
  r.zones();
  auto syn = [](uint16_t sport) { return from(4, v4("10.0.1.40", "10.0.2.10", 6, tcp_seg(sport, 80, kSyn, 1, 0))); };
  r.run_all({
      {"vm4's first connection", 3, syn(1001), kOk, kNew, kNew},
      {"its second", 3, syn(1002), kOk, kNew, kNew},
      {"the third exceeds its allowance of 2", 3, syn(1003), DropReason::kConntrackFull},
      {"an established one keeps working", 3, syn(1001), kOk, kEst, kEst},
      {"vm1 still opens connections", 0, from(1, v4("10.0.1.10", "10.0.2.10", 6, tcp_seg(2000, 80, kSyn, 1, 0))), kOk, kNew, kNew},
  });
  EXPECT_EQ(r.flows().allowance_exceeded(3), 1u);
  EXPECT_EQ(r.flows().allowance_available(3), 0u);
}

TEST(ConntrackStage, RuleRemovalKeepsTrackedConnectionsAndCutsUntrackedOnes) {
  Runner r(compile(config(kWebRules, false)));
  r.zones();
  r.run_all({
      {"SYN to vm2:80", 0, from(1, v4("10.0.1.10", "10.0.2.10", 6, tcp_seg(40000, 80, kSyn, 100, 0))), kOk, kNew, kNew},
      {"SYN-ACK", 1, from(2, v4("10.0.2.10", "10.0.1.10", 6, tcp_seg(80, 40000, kSynAck, 5000, 101))), kOk, kEst, kEst},
      {"UDP vm1 -> vm3: untracked at vm3", 0, from(1, v4("10.0.1.10", "10.0.2.20", 17, udp(7000, 7000))), kOk, kNew, kUntracked},
  });
  // sg-web loses its rules, sg-open keeps only egress (generation 2).
  std::string next = config("", false, 2);
  next.replace(next.find(R"("ingress": [{"protocol": "all", "cidrs": ["0.0.0.0/0"]}],)"), 59, "");
  r.replace(compile(next));
  r.run_all({
      {"the tracked connection survives the removal (AWS)", 0,
       from(1, v4("10.0.1.10", "10.0.2.10", 6, tcp_seg(40000, 80, kAck, 101, 5001))), kOk, kEst, kEst},
      {"a new connection is refused", 0, from(1, v4("10.0.1.10", "10.0.2.10", 6, tcp_seg(40001, 80, kSyn, 1, 0))),
       DropReason::kSgDeny},
      {"the untracked UDP flow is cut at once", 0, from(1, v4("10.0.1.10", "10.0.2.20", 17, udp(7000, 7000))),
       DropReason::kSgDeny},
  });
}

TEST(ConntrackStage, RevalidateCutsConnectionsTheNewRulesRefuse) {
  Runner r(compile(config(kWebRules, true)));
  r.zones();
  r.run_all({
      {"SYN to vm2:80", 0, from(1, v4("10.0.1.10", "10.0.2.10", 6, tcp_seg(40000, 80, kSyn, 100, 0))), kOk, kNew, kNew},
      {"SYN-ACK", 1, from(2, v4("10.0.2.10", "10.0.1.10", 6, tcp_seg(80, 40000, kSynAck, 5000, 101))), kOk, kEst, kEst},
  });
  r.replace(compile(config(R"({"protocol": "tcp", "port_range": {"from": 443, "to": 443}, "cidrs": ["10.0.0.0/16"]})", true, 2)));
  r.run({"the reply direction is re-checked as its original packet and cut", 1,
         from(2, v4("10.0.2.10", "10.0.1.10", 6, tcp_seg(80, 40000, kAck, 5001, 101))), DropReason::kSgDeny});
  r.replace(compile(config(kWebRules, true, 3)));
  r.run({"a mid-stream ACK under the restored rules is picked up as new", 0,
         from(1, v4("10.0.1.10", "10.0.2.10", 6, tcp_seg(40005, 80, kAck, 1, 1))), kOk, kNew, kNew});
  r.replace(compile(config(kWebRules + std::string(R"(, {"protocol": "udp", "cidrs": ["10.9.0.0/16"]})"), true, 4)));
  r.run({"after an unrelated change it is re-checked and stays", 0,
         from(1, v4("10.0.1.10", "10.0.2.10", 6, tcp_seg(40005, 80, kAck, 1, 1))), kOk, kEst, CtNote::kRevalidated});
}

// What one packet of a burst opens or is refused must be visible to the
// next. Both cases were bugs found by the pcap integration test
// (tests/integration/conntrack_pcap_test.py).
TEST(ConntrackStage, WithinOneBurstFragmentsFollowAndRefusedConnectionsTakeNoAllowance) {
  // vm4 (allowance 2, default group) -> vm2 (sg-web: tcp 80 only).
  auto snap = compile(config(kWebRules, false));
  ScratchContext scratch;
  for (const EniEntry& e : snap->enis) scratch.flows->set_zone(static_cast<uint16_t>(e.counter_slot), e.conntrack);
  auto from4 = [](const Bytes& ip) { return from(4, ip); };
  Ip4Opts first{.frag = 0x2000, .id = 9}, second{.frag = 0x0005, .id = 9};
  const auto v = run_burst(*snap, scratch.ctx, 3, {
      from4(v4("10.0.1.40", "10.0.2.10", 17, udp(1, 53))),                              // refused by vm2's groups
      from4(v4("10.0.1.40", "10.0.2.10", 17, udp(2, 53))),                              // refused
      from4(v4("10.0.1.40", "10.0.2.10", 6, tcp_seg(1000, 80, kSyn, 1, 0))),            // 1st of the allowance
      from4(v4("10.0.1.40", "10.0.2.10", 6, tcp_seg(1001, 80, kSyn, 1, 0), first)),     // 2nd, a first fragment
      from4(v4("10.0.1.40", "10.0.2.10", 6, Bytes(24), second)),                        // its second fragment
  });
  ASSERT_EQ(v.size(), 5u);
  EXPECT_EQ(drop_reason_name(v[0].drop), "sg_deny");
  EXPECT_EQ(drop_reason_name(v[1].drop), "sg_deny");
  EXPECT_EQ(static_cast<int>(v[2].action), static_cast<int>(Action::kForward)) << drop_reason_name(v[2].drop);
  EXPECT_EQ(static_cast<int>(v[3].action), static_cast<int>(Action::kForward)) << drop_reason_name(v[3].drop);
  EXPECT_EQ(static_cast<int>(v[4].action), static_cast<int>(Action::kForward)) << drop_reason_name(v[4].drop);
  EXPECT_EQ(static_cast<int>(v[4].ct[0]), static_cast<int>(CtNote::kFragment));
  EXPECT_EQ(scratch.flows->zone_count(3), 2u);
}

// Peers that are groups or prefix lists are address sets looked up when a
// connection is admitted: changing a set's contents changes who may connect
// at once, with the same snapshot — no recompile — while connections already
// tracked stay (AWS: a removed rule or peer keeps tracked connections).
TEST(ConntrackStage, GroupAndPrefixListPeersAreSetsChangedInPlace) {
  auto with = [](const std::string& vm4_groups, const std::string& office, uint64_t generation, bool revalidate = false) {
    std::string text = config(R"({"protocol": "tcp", "port_range": {"from": 80, "to": 80}, "security_groups": ["sg-client"]},
                                 {"protocol": "tcp", "port_range": {"from": 443, "to": 443}, "prefix_lists": ["pl-office"]})",
                              revalidate, generation);
    text.replace(text.find(R"("conntrack": {"allowance": 2})"), 29, R"("security_groups": )" + vm4_groups);
    text.replace(text.find(R"(  "enis": [)"), 11, R"(  "prefix_lists": [{"id": "pl-office", "cidrs": )" + office + R"(}], "enis": [)");
    return control::parse_config_json(text, "test");
  };
  const auto before = with(R"(["sg-open"])", R"(["10.0.1.8/29"])", 1);
  const auto after = with(R"(["sg-open", "sg-client"])", R"(["10.0.1.8/29", "10.0.1.32/27"])", 2);
  control::AddressSetState sets;
  auto plan = sets.plan(control::build_model(before).model);
  Runner r(control::compile_snapshot(before, {{"a", 0}, {"b", 1}, {"c", 2}, {"d", 3}}, {}, plan.binding));
  sets.apply(std::move(plan));
  r.zones();
  const Verdict member = r.run({"vm1 is in sg-client: its SYN to vm2:80 is admitted by the group rule", 0,
                                from(1, v4("10.0.1.10", "10.0.2.10", 6, tcp_seg(40000, 80, kSyn, 100, 0))), kOk, kNew, kNew});
  EXPECT_EQ(r.snap().sg_policies[r.snap().eni_ct[1].sg_policy]->rule_names.at(member.sg_rule[1] - 1),
            "sg-web ingress[0] group sg-client");
  r.run({"vm2 answers vm1", 1, from(2, v4("10.0.2.10", "10.0.1.10", 6, tcp_seg(80, 40000, kSynAck, 5000, 101))), kOk, kEst, kEst});
  const Verdict listed = r.run({"vm1 is in pl-office: :443 is admitted by the prefix-list rule", 0,
                                from(1, v4("10.0.1.10", "10.0.2.10", 6, tcp_seg(40001, 443, kSyn, 100, 0))), kOk, kNew, kNew});
  EXPECT_EQ(r.snap().sg_policies[r.snap().eni_ct[1].sg_policy]->rule_names.at(listed.sg_rule[1] - 1),
            "sg-web ingress[1] prefix list pl-office");
  r.run_all({
      {"vm4 is in neither", 3, from(4, v4("10.0.1.40", "10.0.2.10", 6, tcp_seg(41000, 80, kSyn, 1, 0))), DropReason::kSgDeny},
      {"nor on the list", 3, from(4, v4("10.0.1.40", "10.0.2.10", 6, tcp_seg(41001, 443, kSyn, 1, 0))), DropReason::kSgDeny},
      {"vm1 on another port: the set matches, the port does not", 0,
       from(1, v4("10.0.1.10", "10.0.2.10", 6, tcp_seg(40002, 22, kSyn, 1, 0))), DropReason::kSgDeny},
  });

  // vm4 joins sg-client and the list grows: the sets change in place; the
  // snapshot (and every compiled classifier) stays as it was.
  auto delta = sets.plan(control::build_model(after).model);
  EXPECT_EQ(delta.binding.table.get(), r.snap().address_sets.get()) << "the same table, changed in place";
  EXPECT_EQ(delta.puts.size(), 2u);
  EXPECT_TRUE(delta.removals.empty());
  sets.apply(std::move(delta));
  r.run_all({
      {"vm4 is a member now (sg-open leaves its own side untracked)", 3,
       from(4, v4("10.0.1.40", "10.0.2.10", 6, tcp_seg(41002, 80, kSyn, 1, 0))), kOk, kUntracked, kNew},
      {"vm2 answers", 1, from(2, v4("10.0.2.10", "10.0.1.40", 6, tcp_seg(80, 41002, kSynAck, 5000, 2))), kOk, kEst, kUntracked},
      {"and vm4 is on the list", 3, from(4, v4("10.0.1.40", "10.0.2.10", 6, tcp_seg(41003, 443, kSyn, 1, 0))), kOk, kUntracked, kNew},
  });

  // And back: new connections are refused, tracked ones go on.
  sets.apply(sets.plan(control::build_model(before).model));
  r.run_all({
      {"vm4 left sg-client: a new connection is refused", 3,
       from(4, v4("10.0.1.40", "10.0.2.10", 6, tcp_seg(41004, 80, kSyn, 1, 0))), DropReason::kSgDeny},
      {"its tracked connection still passes", 3,
       from(4, v4("10.0.1.40", "10.0.2.10", 6, tcp_seg(41002, 80, kAck, 2, 5001))), kOk, kUntracked, kEst},
  });

  // With vm2's revalidate on, the next generation re-checks tracked
  // connections against the sets as well: vm4's is cut, vm1's (still a
  // member) goes on.
  const auto strict = with(R"(["sg-open"])", R"(["10.0.1.8/29"])", 3, true);
  auto again = sets.plan(control::build_model(strict).model);
  EXPECT_TRUE(again.puts.empty() && again.removals.empty()) << "the sets did not change";
  r.replace(control::compile_snapshot(strict, {{"a", 0}, {"b", 1}, {"c", 2}, {"d", 3}}, {}, again.binding));
  sets.apply(std::move(again));
  r.run_all({
      {"vm4's tracked connection is re-checked against sg-client and cut", 3,
       from(4, v4("10.0.1.40", "10.0.2.10", 6, tcp_seg(41002, 80, kAck, 2, 5001))), DropReason::kSgDeny},
      {"vm1's is re-checked and goes on", 0, from(1, v4("10.0.1.10", "10.0.2.10", 6, tcp_seg(40000, 80, kAck, 101, 5001))),
       kOk, kEst, CtNote::kRevalidated},
  });
}

TEST(ConntrackStage, WithTwoWorkersEachPacketGoesToTheOwnerOfItsAddresses) {
  auto snap = compile(config(kWebRules, false));
  ScratchContext w0(4096, 2, 0), w1(4096, 2, 1);
  const Bytes there = from(1, v4("10.0.1.10", "10.0.2.10", 6, tcp_seg(40000, 80, kSyn, 100, 0)));
  const Bytes back = from(2, v4("10.0.2.10", "10.0.1.10", 6, tcp_seg(80, 40000, kSynAck, 5000, 101)));
  auto run = [&](ScratchContext& w, const Bytes& f, uint16_t port) { return run_burst(*snap, w.ctx, port, {f})[0]; };
  const Verdict a0 = run(w0, there, 0), a1 = run(w1, there, 0);
  // Exactly one worker keeps it; the other hands it over, untouched.
  ASSERT_NE(a0.action == Action::kHandoff, a1.action == Action::kHandoff);
  const bool owner_is_1 = a0.action == Action::kHandoff;
  EXPECT_EQ((owner_is_1 ? a0 : a1).owner, owner_is_1 ? 1 : 0);
  ScratchContext& owner = owner_is_1 ? w1 : w0;
  ScratchContext& other = owner_is_1 ? w0 : w1;
  EXPECT_EQ(static_cast<int>(run(other, back, 1).action), static_cast<int>(Action::kHandoff));  // the reply too
  EXPECT_EQ(static_cast<int>(run(owner, back, 1).action), static_cast<int>(Action::kForward));
  EXPECT_EQ(other.flows->size(), 0u);
}

}  // namespace
}  // namespace vfpath
