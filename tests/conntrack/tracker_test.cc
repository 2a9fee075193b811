// Tracking over the table, as the pipeline will drive it: first packet ->
// admit, later packets -> track, with UDP/ICMP/other lifetimes, TCP verdicts,
// RELATED errors, reopen after TIME_WAIT, limits that spare established flows.
#include <gtest/gtest.h>

#include "conntrack/related.h"
#include "conntrack/tracker.h"
#include "tests/conntrack/packets.h"

namespace vfpath::ct {
namespace {

using namespace test;
namespace t = vfpath::test;
constexpr uint64_t kSec = 1000000000;

struct Fixture {
  std::unique_ptr<FlowTable> table = FlowTable::create({.capacity = 1024, .zones = 8, .ticks_per_second = kSec});

  // Runs one parsed packet through lookup -> track, or admit on a miss.
  CtVerdict packet(const Parsed& p, uint64_t now, uint16_t zone = 1, uint32_t generation = 1) {
    KeyResult k = flow_key_of(p.meta, zone);
    if (k.status == KeyStatus::kIcmpError) {
      KeyResult inner;
      if (!related_key(p.frame.data(), static_cast<uint32_t>(p.frame.size()), p.meta, zone, inner)) return CtVerdict::kNoKey;
      return table->lookup(inner.key, flow_hash(inner.key), now) != kNoEntry ? CtVerdict::kRelated : CtVerdict::kNoKey;
    }
    EXPECT_EQ(k.status, KeyStatus::kOk);
    CtPacket pkt;
    EXPECT_TRUE(ct_packet_of(p.frame.data(), static_cast<uint32_t>(p.frame.size()), p.meta, pkt));
    uint64_t h = flow_hash(k.key);
    EntryId id = table->lookup(k.key, h, now);
    if (id != kNoEntry) {
      CtVerdict v = track(*table, id, k.src_side, pkt, now);
      if (v != CtVerdict::kNew) return v;
    }
    return admit(*table, k, h, pkt, now, generation, true).verdict;  // policy allows everything here
  }
  EntryId find(const Parsed& p, uint64_t now, uint16_t zone = 1) {
    KeyResult k = flow_key_of(p.meta, zone);
    return table->lookup(k.key, flow_hash(k.key), now);
  }
};

// A TCP segment with real seq/ack/window in a frame (the builders' tcp() has
// fixed numbers, so patch them).
Parsed tcp_seg(const std::string& s, const std::string& d, uint16_t sp, uint16_t dp, uint8_t flags, uint32_t seq,
               uint32_t ack, uint16_t payload = 0) {
  Bytes seg = t::tcp(sp, dp, flags, 5, Bytes(payload));
  for (int i = 0; i < 4; ++i) {
    seg[4 + i] = static_cast<uint8_t>(seq >> (24 - 8 * i));
    seg[8 + i] = static_cast<uint8_t>(ack >> (24 - 8 * i));
  }
  return parsed(eth4(t::ipv4(s, d, 6, seg)));
}

Parsed tcp_seg6(const std::string& s, const std::string& d, uint16_t sp, uint16_t dp, uint8_t flags, uint32_t seq,
                uint32_t ack) {
  Bytes seg = t::tcp(sp, dp, flags);
  for (int i = 0; i < 4; ++i) {
    seg[4 + i] = static_cast<uint8_t>(seq >> (24 - 8 * i));
    seg[8 + i] = static_cast<uint8_t>(ack >> (24 - 8 * i));
  }
  return parsed(eth6(t::ipv6(s, d, 6, seg)));
}

const char* kVm = "10.0.1.10";
const char* kPeer = "198.51.100.7";

TEST(Tracker, UdpUnrepliedThenStream) {
  Fixture f;
  Parsed out = udp4(kVm, kPeer, 5000, 53), back = udp4(kPeer, kVm, 53, 5000);
  EXPECT_EQ(f.packet(out, 0), CtVerdict::kPass);
  EntryId id = f.find(out, 0);
  EXPECT_EQ(f.table->entry(id).tclass, TimeoutClass::kUdpUnreplied);
  EXPECT_EQ(f.packet(back, 10 * kSec), CtVerdict::kPass);
  EXPECT_EQ(f.table->entry(id).tclass, TimeoutClass::kUdpStream);
  EXPECT_TRUE(f.table->entry(id).flags & entry_flag::kSeenReply);
  EXPECT_NE(f.find(out, 189 * kSec), kNoEntry) << "stream lives 180 s after the last packet";
  EXPECT_EQ(f.find(out, 191 * kSec), kNoEntry);
}

TEST(Tracker, UdpUnrepliedExpiresAfter30s) {
  Fixture f;
  Parsed out = udp4(kVm, kPeer, 5000, 53);
  f.packet(out, 0);
  f.packet(out, 20 * kSec);  // more from the originator does not make it a stream
  EXPECT_NE(f.find(out, 49 * kSec), kNoEntry);
  EXPECT_EQ(f.find(out, 51 * kSec), kNoEntry);
}

TEST(Tracker, IcmpEchoRequestAndReplyShareAnEntry) {
  Fixture f;
  EXPECT_EQ(f.packet(echo4(kVm, kPeer, 8, 7), 0), CtVerdict::kPass);
  EXPECT_EQ(f.packet(echo4(kPeer, kVm, 0, 7), kSec), CtVerdict::kPass);
  EXPECT_EQ(f.table->size(), 1u);
  EXPECT_EQ(f.packet(echo6("fd00::1", "fd00::2", 128, 7), 0), CtVerdict::kPass);
  EXPECT_EQ(f.packet(echo6("fd00::2", "fd00::1", 129, 7), kSec), CtVerdict::kPass);
  EXPECT_EQ(f.table->size(), 2u);
  EXPECT_EQ(f.find(echo4(kVm, kPeer, 8, 7), 32 * kSec), kNoEntry) << "ICMP lives 30 s";
}

TEST(Tracker, OtherProtocolsByAddressesFor600s) {
  Fixture f;
  EXPECT_EQ(f.packet(proto4(kVm, kPeer, 47), 0), CtVerdict::kPass);
  EXPECT_EQ(f.packet(proto4(kPeer, kVm, 47), kSec), CtVerdict::kPass);
  EXPECT_EQ(f.table->size(), 1u);
  EXPECT_NE(f.find(proto4(kVm, kPeer, 47), 600 * kSec), kNoEntry);
  EXPECT_EQ(f.find(proto4(kVm, kPeer, 47), 602 * kSec), kNoEntry);
}

TEST(Tracker, TcpHandshakeInvalidSegmentAndTimeouts) {
  Fixture f;
  EXPECT_EQ(f.packet(tcp_seg(kVm, kPeer, 40000, 443, 0x02, 1000, 0), 0), CtVerdict::kPass);
  EntryId id = f.find(tcp_seg(kVm, kPeer, 40000, 443, 0x10, 0, 0), 0);
  EXPECT_EQ(f.table->entry(id).tclass, TimeoutClass::kTcpSynSent);
  EXPECT_EQ(f.packet(tcp_seg(kPeer, kVm, 443, 40000, 0x12, 5000, 1001), kSec), CtVerdict::kPass);
  EXPECT_EQ(f.packet(tcp_seg(kVm, kPeer, 40000, 443, 0x10, 1001, 5001), kSec), CtVerdict::kPass);
  EXPECT_EQ(f.table->tcp(id).state, TcpState::kEstablished);
  EXPECT_NEAR(f.table->seconds_left(id, kSec), 432000.0, 0.01);
  EXPECT_EQ(f.packet(tcp_seg(kVm, kPeer, 40000, 443, 0x10, 1001, 9999), 2 * kSec), CtVerdict::kInvalid);
  EXPECT_NEAR(f.table->seconds_left(id, kSec), 432000.0, 0.01) << "an invalid segment does not refresh";
  EXPECT_EQ(f.packet(tcp_seg(kVm, kPeer, 40000, 443, 0x04, 1001, 0), 3 * kSec), CtVerdict::kPass);
  EXPECT_EQ(f.table->entry(id).tclass, TimeoutClass::kTcpClose);
  EXPECT_EQ(f.find(tcp_seg(kVm, kPeer, 40000, 443, 0x10, 0, 0), 14 * kSec), kNoEntry) << "CLOSE lives 10 s";
}

TEST(Tracker, FirstTcpPacketThatCannotStartAConnectionIsInvalid) {
  Fixture f;
  ASSERT_TRUE(f.table->set_zone(2, {.pickup = false}));
  EXPECT_EQ(f.packet(tcp_seg(kVm, kPeer, 40000, 443, 0x10, 1001, 5001), 0, 2), CtVerdict::kInvalid);
  EXPECT_EQ(f.packet(tcp_seg(kVm, kPeer, 40000, 443, 0x12, 1001, 5001), 0, 1), CtVerdict::kInvalid);
  EXPECT_EQ(f.table->size(), 0u);
  EXPECT_EQ(f.packet(tcp_seg(kVm, kPeer, 40000, 443, 0x10, 1001, 5001), 0, 1), CtVerdict::kPass) << "pickup on by default";
}

TEST(Tracker, TimeWaitReuseFromTheReplySideMakesItTheOriginator) {
  Fixture f;
  f.packet(tcp_seg(kVm, kPeer, 40000, 443, 0x02, 1000, 0), 0);
  f.packet(tcp_seg(kPeer, kVm, 443, 40000, 0x12, 5000, 1001), 0);
  f.packet(tcp_seg(kVm, kPeer, 40000, 443, 0x10, 1001, 5001), 0);
  f.packet(tcp_seg(kVm, kPeer, 40000, 443, 0x11, 1001, 5001), 0);
  f.packet(tcp_seg(kPeer, kVm, 443, 40000, 0x11, 5001, 1002), 0);
  EXPECT_EQ(f.packet(tcp_seg(kVm, kPeer, 40000, 443, 0x10, 1002, 5002), 0), CtVerdict::kPass);
  Parsed syn = tcp_seg(kPeer, kVm, 443, 40000, 0x02, 70000, 0);
  EntryId old = f.find(syn, kSec);
  ASSERT_NE(old, kNoEntry);
  EXPECT_EQ(f.table->tcp(old).state, TcpState::kTimeWait);
  EXPECT_EQ(f.packet(syn, kSec, 1, 2), CtVerdict::kPass);
  EntryId id = f.find(syn, kSec);
  EXPECT_EQ(f.table->tcp(id).state, TcpState::kSynSent);
  EXPECT_EQ(f.table->entry(id).dir_of(flow_key_of(syn.meta, 1).src_side), Dir::kOriginal);
  EXPECT_EQ(f.table->entry(id).generation, 2u) << "the reopened connection went through policy again";
}

TEST(Tracker, LiberalZonePassesOutOfWindowData) {
  Fixture f;
  ASSERT_TRUE(f.table->set_zone(3, {.liberal = true}));
  for (uint16_t zone : {1, 3}) {
    f.packet(tcp_seg(kVm, kPeer, 40000, 443, 0x02, 1000, 0), 0, zone);
    f.packet(tcp_seg(kPeer, kVm, 443, 40000, 0x12, 5000, 1001), 0, zone);
    f.packet(tcp_seg(kVm, kPeer, 40000, 443, 0x10, 1001, 5001), 0, zone);
  }
  Parsed far = tcp_seg(kVm, kPeer, 40000, 443, 0x18, 1001 + 1000000, 5001, 10);
  EXPECT_EQ(f.packet(far, 0, 1), CtVerdict::kInvalid);
  EXPECT_EQ(f.packet(far, 0, 3), CtVerdict::kPass);
}

TEST(Tracker, IcmpErrorsQuotingATrackedFlowAreRelated) {
  Fixture f;
  Bytes out = t::ipv4(kVm, kPeer, 17, t::udp(5000, 53, Bytes(40)));
  f.packet(parsed(eth4(out)), 0);
  Bytes quote(out.begin(), out.begin() + 28);
  Parsed frag_needed = parsed(eth4(t::ipv4("192.0.2.1", kVm, 1, t::icmp4(3, 4, 0, 1400, quote))));
  Bytes other = t::ipv4(kVm, kPeer, 17, t::udp(5001, 53));
  Parsed other_flow = parsed(eth4(t::ipv4("192.0.2.1", kVm, 1, t::icmp4(3, 4, 0, 1400, other))));
  Parsed empty = parsed(eth4(t::ipv4("192.0.2.1", kVm, 1, t::icmp4(11, 0))));
  EXPECT_EQ(f.packet(frag_needed, kSec), CtVerdict::kRelated);
  EXPECT_EQ(f.packet(frag_needed, kSec, 2), CtVerdict::kNoKey) << "another zone's flow is not related";
  EXPECT_EQ(f.packet(other_flow, kSec), CtVerdict::kNoKey);
  EXPECT_EQ(f.packet(empty, kSec), CtVerdict::kNoKey);
}

TEST(Tracker, Ipv6TcpHandshakeAndPacketTooBigAreTracked) {
  Fixture f;
  Parsed syn = tcp_seg6("fd00::10", "2001:db8::7", 40000, 443, 0x02, 1000, 0);
  EXPECT_EQ(f.packet(syn, 0), CtVerdict::kPass);
  EXPECT_EQ(f.packet(tcp_seg6("2001:db8::7", "fd00::10", 443, 40000, 0x12, 5000, 1001), 0), CtVerdict::kPass);
  EXPECT_EQ(f.packet(tcp_seg6("fd00::10", "2001:db8::7", 40000, 443, 0x10, 1001, 5001), 0), CtVerdict::kPass);
  EXPECT_EQ(f.table->tcp(f.find(syn, 0)).state, TcpState::kEstablished);
  // The router on the path cannot forward a full-size segment back to us.
  Bytes big = t::ipv6("2001:db8::7", "fd00::10", 6, t::tcp(443, 40000, 0x10, 5, Bytes(1400)));
  Parsed too_big = parsed(eth6(t::icmp6_packet("2001:db8::1", "2001:db8::7",
                                               t::icmp6_body(2, 0, 0, 1280, Bytes(big.begin(), big.begin() + 1232)))));
  EXPECT_EQ(f.packet(too_big, kSec), CtVerdict::kRelated);
}

TEST(Tracker, WhenFullOnlyNewConnectionsAreRefused) {
  Fixture f;
  ASSERT_TRUE(f.table->set_zone(1, {.allowance = 2}));
  EXPECT_EQ(f.packet(udp4(kVm, kPeer, 1, 53), 0), CtVerdict::kPass);
  EXPECT_EQ(f.packet(udp4(kVm, kPeer, 2, 53), 0), CtVerdict::kPass);
  EXPECT_EQ(f.packet(udp4(kVm, kPeer, 3, 53), 0), CtVerdict::kFull);
  EXPECT_EQ(f.packet(udp4(kPeer, kVm, 53, 1), kSec), CtVerdict::kPass) << "replies of admitted flows";
  EXPECT_EQ(f.packet(udp4(kVm, kPeer, 3, 53), 0, 2), CtVerdict::kPass) << "another zone";
  EXPECT_EQ(f.table->allowance_exceeded(1), 1u);
}

TEST(Tracker, TwoFirstPacketsOfOneFlowInABurstShareTheEntry) {
  Fixture f;
  Parsed syn = tcp_seg(kVm, kPeer, 40000, 443, 0x02, 1000, 0);
  KeyResult k = flow_key_of(syn.meta, 1);
  CtPacket pkt;
  ct_packet_of(syn.frame.data(), static_cast<uint32_t>(syn.frame.size()), syn.meta, pkt);
  AdmitResult a = admit(*f.table, k, flow_hash(k.key), pkt, 0, 1, true);
  AdmitResult b = admit(*f.table, k, flow_hash(k.key), pkt, 0, 1, true);  // both missed the bulk lookup
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(b.verdict, CtVerdict::kPass) << "a SYN retransmission on the new entry";
  EXPECT_EQ(f.table->size(), 1u);
}

TEST(TcpSegmentReader, ReadsSeqAckWindowPayloadAndSynOptions) {
  // SYN with options: MSS, NOP, window scale 9, SACK permitted, EOL.
  Bytes opts = {2, 4, 0x05, 0xb4, 1, 3, 3, 9, 4, 2, 0, 0};
  Bytes seg = t::tcp(40000, 443, 0x02, 8, Bytes(7));
  std::copy(opts.begin(), opts.end(), seg.begin() + 20);
  Parsed p = parsed(eth4(t::ipv4(kVm, kPeer, 6, seg)));
  TcpSegment s;
  ASSERT_TRUE(read_tcp_segment(p.frame.data(), static_cast<uint32_t>(p.frame.size()), p.meta, s));
  EXPECT_EQ(s.seq, 1000u);
  EXPECT_EQ(s.window, 65535);
  EXPECT_EQ(s.payload_len, 7);
  EXPECT_EQ(s.wscale, 9);
  EXPECT_TRUE(s.sack_perm);
  // The same options on a non-SYN are ignored; a cut option list stops quietly.
  seg[13] = 0x10;
  p = parsed(eth4(t::ipv4(kVm, kPeer, 6, seg)));
  ASSERT_TRUE(read_tcp_segment(p.frame.data(), static_cast<uint32_t>(p.frame.size()), p.meta, s));
  EXPECT_EQ(s.wscale, kNoWindowScale);
  Bytes bad = t::tcp(40000, 443, 0x02, 6);
  bad[20] = 3; bad[21] = 3; bad[22] = 14; bad[23] = 8;  // wscale 14, then a kind 8 option cut short
  p = parsed(eth4(t::ipv4(kVm, kPeer, 6, bad)));
  ASSERT_TRUE(read_tcp_segment(p.frame.data(), static_cast<uint32_t>(p.frame.size()), p.meta, s));
  EXPECT_EQ(s.wscale, 14);
}

}  // namespace
}  // namespace vfpath::ct
