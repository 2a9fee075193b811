// Real captures (tests/data/pcaps, see its README) through parser and
// tracker, every packet allowed by policy, pickup on, time from the capture.
// Each case lists one letter per packet, so a change of behaviour on any
// packet shows: N admitted as new, P passed (tracked or let through while
// ignored), I tcp_invalid, R related ICMP error, k an ICMP error whose quoted
// flow is not tracked, K an error quoting nothing usable, M malformed.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "conntrack/related.h"
#include "conntrack/tracker.h"
#include "packet/parser.h"
#include "tests/conntrack/pcap_reader.h"

#ifndef VFPATH_SHARED_DATA
#error "VFPATH_SHARED_DATA must name the shared data directory"
#endif

namespace vfpath::ct {
namespace {

struct Replay {
  std::string verdicts;
  TcpState last_tcp_state = TcpState::kNone;
};

// With `workers` tables, each packet goes to the table of
// owner_worker(hash): an ICMP error to the owner of the flow it quotes.
Replay replay(const std::string& file, uint32_t workers = 1) {
  Replay r;
  auto packets = test::read_pcap(std::string(VFPATH_SHARED_DATA) + "/pcaps/" + file);
  std::vector<std::unique_ptr<FlowTable>> tables;
  for (uint32_t w = 0; w < workers; ++w)
    tables.push_back(FlowTable::create({.capacity = 4096, .zones = 1, .ticks_per_second = 1000000000}));
  for (const auto& p : packets) {
    const auto len = static_cast<uint32_t>(p.frame.size());
    PacketMeta m;
    if (parse_frame(p.frame.data(), len, m) != DropReason::kNone) {
      r.verdicts += 'M';
      continue;
    }
    KeyResult k = flow_key_of(m, 0);
    if (k.status == KeyStatus::kIcmpError) {
      KeyResult inner;
      if (!related_key(p.frame.data(), len, m, 0, inner)) {
        r.verdicts += 'K';
        continue;
      }
      uint64_t h = flow_hash(inner.key);
      FlowTable& owner = *tables[owner_worker(h, workers)];
      r.verdicts += owner.lookup(inner.key, h, p.time_ns) != kNoEntry ? 'R' : 'k';
      continue;
    }
    CtPacket c;
    if (k.status != KeyStatus::kOk || !ct_packet_of(p.frame.data(), len, m, c)) {
      r.verdicts += 'M';
      continue;
    }
    uint64_t h = flow_hash(k.key);
    FlowTable* t = tables[owner_worker(h, workers)].get();
    EntryId id = t->lookup(k.key, h, p.time_ns);
    CtVerdict v = id == kNoEntry ? CtVerdict::kNew : track(*t, id, k.src_side, c, p.time_ns);
    char letter = 'P';
    if (v == CtVerdict::kNew) {
      AdmitResult a = admit(*t, k, h, c, p.time_ns, 1, true);
      v = a.verdict;
      id = a.id;
      letter = 'N';
    }
    if (v == CtVerdict::kInvalid) letter = 'I';
    r.verdicts += letter;
    if (m.l4_proto == 6 && v != CtVerdict::kInvalid) r.last_tcp_state = t->tcp(id).state;
  }
  return r;
}

struct Case {
  const char* file;
  const char* verdicts;
  TcpState final_state;  // of the last TCP entry a packet went through; kNone: no TCP
  const char* proves;
};

using St = TcpState;
const Case kCases[] = {
    {"tcp/zeek__tcp-syslog-nontransparent.pcap", "NPPPPPPP", St::kTimeWait, "a clean lifecycle ends in TIME_WAIT (raw IPv4 link type)"},
    {"tcp/tcpdump__tcp-handshake-nano.pcap", "NPP", St::kEstablished, "handshake (Linux cooked link type, ns timestamps)"},
    {"tcp/zeek__syn-synack.pcap", "NP", St::kSynRecv, "half-open stays SYN_RECV"},
    {"tcp/zeek__payload-syn.pcap", "NPPPPP", St::kTimeWait, "a SYN carrying data counts its bytes (the SYN/ACK acks 101)"},
    {"tcp/zeek__window-scale-range.pcap", "NPPPP", St::kEstablished, "a window scale above 14 is clamped, traffic flows"},
    {"tcp/suricata-verify__split-handshake-4whs.pcap", "NPPPPPP", St::kClose, "split handshake = simultaneous open, legal, then RST"},
    {"tcp/suricata-verify__split-handshake-5whs.pcap", "NPPPPPPP", St::kClose, "5-way: the responder's bare ACK is let through, then SYN_SENT2"},
    {"tcp/suricata-verify__simultaneous-syn-with-data-vlan.pcap", "NPI", St::kSynSent2,
     "SYNs both ways (with data, VLAN): a plain ACK before any SYN/ACK is invalid, as in Linux"},
    {"tcp/suricata-verify__tcp-rst-with-data.pcap", "NPPPPPPP", St::kClose, "an RST carrying data, in window, closes"},
    {"tcp/tcpdump__tcp_rst_data.pcap", "I", St::kNone, "a lone RST creates nothing"},
    {"tcp/zeek__single-rst.pcap", "I", St::kNone, "a lone RST creates nothing"},
    {"tcp/zeek__no-handshake.pcap", "N", St::kEstablished, "mid-stream data is picked up"},
    {"tcp/zeek__missing-syn.pcap", "INPPPPPPPPPPPPPPPPPPP", St::kTimeWait,
     "a first SYN/ACK cannot start a connection; the client's ACK is picked up and the session closes cleanly"},
    {"tcp/zeek__handshake-reorder.pcap", "INIIPPPPPIIIII", St::kSynSent,
     "SYN/ACK before SYN is refused, so the SYN sender is the originator; without a retransmitted SYN/ACK the client stays blocked"},
    {"tcp/zeek__fin_retransmission.pcap", "NIPPP", St::kClose, "a FIN before the SYN/ACK is invalid; the rest proceeds"},
    {"tcp/zeek__rst-inject-rae.pcap", "NIPPPPPPP", St::kClose,
     "an injected RST|ACK acking the ISN (not ISN+1) in SYN_SENT does not tear down the entry"},
    {"tcp/zeek__syn-then-rst.pcap", "NP", St::kClose, "the originator's RST after its SYN closes"},
    {"tcp/zeek__syn-then-ack-then-rst.pcap", "NPP", St::kClose, "the responder's bare ACK is ignored, the RST closes"},
    {"tcp/zeek__syn-then-stuff-then-rst.pcap", "NPIP", St::kClose, "a FIN in SYN_SENT is invalid"},
    {"icmp/zeek__smtp.pcap",
     "NPNPPPPPPPPPPPPPPPPPPPPPPRPRRRPPPPPPPPPPPPPPPPPPPPPPPPPPPPPNNPNPPPPPPPPPPPPPPPPPPPPPPPPPPNPPPPPNPNPPPPPPPPPPPPPPPPPPPPPPPPPPP",
     St::kEstablished, "the four frag-needed errors quoting the SMTP session are RELATED"},
    {"icmp/suricata-verify__dns-then-icmp-port-unreachable.pcap", "NPPPPPR", St::kNone,
     "port unreachable quoting a DNS response is RELATED to the DNS flow"},
    {"icmp/zeek__icmp-destunreach-udp.pcap", "k", St::kNone, "an error about an unknown flow is not related"},
    {"icmp/zeek__icmp-destunreach-ip.pcap", "k", St::kNone, "a quote of an IP header of a portless protocol keys by addresses"},
    {"icmp/zeek__icmp-destunreach-no-context.pcap", "K", St::kNone, "no quote, no key, no read past the end"},
    {"icmp/zeek__icmp-timeexceeded.pcap", "k", St::kNone, "time exceeded quoting UDP"},
    {"icmp/zeek__icmp6-toobig.pcap", "k", St::kNone, "packet too big quoting UDP"},
    {"icmp/zeek__icmp6-destunreach-ip6ext-udp.pcap", "k", St::kNone, "the quoted hop-by-hop header is walked"},
    {"icmp/zeek__icmp6-destunreach-no-context.pcap", "K", St::kNone, "no quote"},
    {"icmp/zeek__icmp6-paramprob.pcap", "k", St::kNone, "parameter problem quoting UDP"},
    {"icmp/zeek__icmp6-timeexceeded.pcap", "k", St::kNone, "time exceeded quoting UDP"},
    {"icmp/tcpdump__icmpv6-rfc7112.pcap", "k", St::kNone, "parameter problem quoting a first fragment"},
};

TEST(Pcaps, VerdictPerPacketAndFinalState) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(std::string(c.file) + ": " + c.proves);
    Replay r = replay(c.file);
    EXPECT_EQ(r.verdicts, c.verdicts);
    EXPECT_STREQ(tcp_state_name(r.last_tcp_state), tcp_state_name(c.final_state));
  }
}

// Ownership by symmetric hash: 2 and 4 workers, each with its own table,
// give every packet the verdict one table gives (both directions and the
// errors about a flow reach the flow's owner).
TEST(Pcaps, SameVerdictsWithOneTwoAndFourWorkers) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.file);
    for (uint32_t workers : {2u, 4u}) EXPECT_EQ(replay(c.file, workers).verdicts, c.verdicts) << workers << " workers";
  }
}

// The quoted tuples of two single-error captures, port for port.
TEST(Pcaps, QuotedPortsAreRead) {
  struct Q {
    const char* file;
    uint16_t port_a, port_b;
  } qs[] = {{"icmp/zeek__icmp-timeexceeded.pcap", 13000, 30000},
            {"icmp/zeek__icmp6-destunreach-ip6ext-udp.pcap", 13000, 30000}};
  for (const Q& q : qs) {
    SCOPED_TRACE(q.file);
    auto packets = test::read_pcap(std::string(VFPATH_SHARED_DATA) + "/pcaps/" + q.file);
    ASSERT_EQ(packets.size(), 1u);
    PacketMeta m;
    ASSERT_EQ(parse_frame(packets[0].frame.data(), static_cast<uint32_t>(packets[0].frame.size()), m), DropReason::kNone);
    KeyResult k;
    ASSERT_TRUE(related_key(packets[0].frame.data(), static_cast<uint32_t>(packets[0].frame.size()), m, 0, k));
    uint16_t a = k.key.port_a.host(), b = k.key.port_b.host();
    EXPECT_EQ(std::min(a, b), q.port_a);
    EXPECT_EQ(std::max(a, b), q.port_b);
    EXPECT_EQ(k.key.proto, 17);
  }
}

}  // namespace
}  // namespace vfpath::ct
