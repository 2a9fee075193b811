// MTU arithmetic, the in-place ICMP "fragmentation needed" / "packet too big"
// builders, and fragmentation of inner IPv4 before encapsulation.
#include "encap/mtu.h"

#include <gtest/gtest.h>

#include <cstring>

#include "packet/checksum.h"
#include "packet/replies.h"
#include "encap/encap_template.h"
#include "tests/encap/buffers.h"

namespace vfpath::encap {
namespace {

using test::Buffer;
using test::Bytes;

TEST(Mtu, InnerMtuIsTheUnderlayMtuLessTheOverhead) {
  struct Row {
    const char* proves;
    uint16_t underlay, overhead, want;
  };
  for (const Row& r : {Row{"VXLAN over IPv4: the 1450 a Linux VXLAN device uses", 1500, encap_overhead(false), 1450},
                       Row{"VXLAN over IPv6", 1500, encap_overhead(true), 1430},
                       Row{"Geneve with 8 option bytes over IPv4", 1500, encap_overhead(false, 8), 1442},
                       Row{"jumbo underlay", 9000, encap_overhead(false), 8950},
                       Row{"an underlay that cannot carry the headers", 40, encap_overhead(false), 0}})
    EXPECT_EQ(inner_mtu(r.underlay, r.overhead), r.want) << r.proves;
}

Bytes v4_packet(uint16_t total, uint16_t frag_word, const Bytes& options = {}) {
  uint16_t payload = static_cast<uint16_t>(total - 20 - options.size() - 8);
  Bytes data(payload);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7);
  return test::eth(test::kRouterMac, test::kVm1Mac, 0x0800,
                   test::ipv4("10.0.1.10", "10.0.2.10", 17, test::udp(4000, 5000, data),
                              {.frag = frag_word, .options = options}));
}
Bytes v6_packet(uint16_t total) {
  return test::eth(test::kRouterMac, test::kVm1Mac, 0x86dd,
                   test::ipv6("fd00::10", "fd00::20", 17, test::udp(4000, 5000, Bytes(total - 48, 0x33))));
}

TEST(Mtu, ActionDependsOnSizeFamilyAndDf) {
  struct Row {
    const char* proves;
    Bytes frame;
    MtuAction want;
  };
  const std::vector<Row> rows = {
      {"IPv4 exactly at the MTU fits", v4_packet(1450, 0x4000), MtuAction::kFits},
      {"IPv4 one byte over with DF: ICMP fragmentation needed", v4_packet(1451, 0x4000), MtuAction::kTooBig},
      {"IPv4 one byte over without DF: fragmented", v4_packet(1451, 0), MtuAction::kFragment},
      {"IPv6 exactly at the MTU fits", v6_packet(1450), MtuAction::kFits},
      {"IPv6 over: packet too big (routers never fragment IPv6)", v6_packet(1451), MtuAction::kTooBig},
  };
  for (const Row& r : rows) {
    Buffer b(r.frame);
    EXPECT_EQ(mtu_action(b.parse(), 1450), r.want) << r.proves;
  }
}

const uint8_t kGateway4[4] = {10, 0, 1, 1};

TEST(Mtu, FragNeededCarriesTheMtuAndQuotesWithin576Bytes) {
  Bytes original = v4_packet(1500, 0x4000);
  Buffer b(original, 128, 64);
  PacketMeta m = b.parse();
  ASSERT_TRUE(icmp_error_allowed(m));
  ASSERT_TRUE(build_frag_needed(b.f, m, kGateway4, 1450));
  std::memcpy(b.f.data, original.data(), 14);  // the L2 rewrite stage's job
  Bytes out = b.bytes();
  ASSERT_EQ(out.size(), 14u + 576u);
  PacketMeta r = b.parse();  // the parser checks the IPv4 header checksum
  EXPECT_EQ(r.src4(), test::v4addr("10.0.1.1"));
  EXPECT_EQ(r.dst4(), test::v4addr("10.0.1.10"));
  EXPECT_EQ(r.l4_proto, 1);
  EXPECT_EQ(r.l3_length, 576);
  // ICMP header: type 3, code 4, checksum, unused 0, next-hop MTU 1450 (0x05aa).
  const uint8_t* icmp = out.data() + 34;
  EXPECT_EQ(Bytes(icmp, icmp + 8), (Bytes{3, 4, icmp[2], icmp[3], 0, 0, 0x05, 0xaa}));
  EXPECT_EQ(checksum_finish(checksum_partial(icmp, 576 - 20)).host(), 0);
  EXPECT_EQ(Bytes(icmp + 8, icmp + 8 + 548), Bytes(original.begin() + 14, original.begin() + 14 + 548))
      << "the quote is the start of the original IP packet";
  EXPECT_EQ(m.type, 3);
  EXPECT_EQ(m.code, 4);
  EXPECT_EQ(m.l3_length, 576);
}

TEST(Mtu, PacketTooBigCarriesTheMtuAndQuotesWithin1280Bytes) {
  Bytes original = v6_packet(1500);
  Buffer b(original, 128, 64);
  PacketMeta m = b.parse();
  const Bytes gw = test::ip6("fd00::1");
  ASSERT_TRUE(build_packet_too_big(b.f, m, gw.data(), 1430));
  std::memcpy(b.f.data, original.data(), 14);  // the L2 rewrite stage's job
  Bytes out = b.bytes();
  ASSERT_EQ(out.size(), 14u + 1280u);
  PacketMeta r = b.parse();
  EXPECT_EQ(r.src6(), test::v6addr("fd00::1"));
  EXPECT_EQ(r.dst6(), test::v6addr("fd00::10"));
  const uint8_t* icmp = out.data() + 54;
  EXPECT_EQ(Bytes(icmp, icmp + 8), (Bytes{2, 0, icmp[2], icmp[3], 0, 0, 0x05, 0x96}));
  EXPECT_EQ(ipv6_l4_checksum(out.data() + 22, out.data() + 38, 58, icmp, 1240).host(), 0);
  EXPECT_EQ(Bytes(icmp + 8, icmp + 8 + 1232), Bytes(original.begin() + 14, original.begin() + 14 + 1232));
}

TEST(Mtu, ShortPacketIsQuotedWhole) {
  Bytes original = v6_packet(200);
  Buffer b(original);
  PacketMeta m = b.parse();
  const Bytes gw = test::ip6("fd00::1");
  ASSERT_TRUE(build_packet_too_big(b.f, m, gw.data(), 150));
  EXPECT_EQ(b.f.len, 14 + 48 + 200);
}

TEST(Mtu, IcmpBuildersRefuseWithoutHeadroomOrTheWrongFamily) {
  Bytes original = v4_packet(1500, 0x4000);
  Buffer b(original, 20);
  PacketMeta m = b.parse();
  EXPECT_FALSE(build_frag_needed(b.f, m, kGateway4, 1450)) << "28 + 4 bytes of headroom needed";
  EXPECT_EQ(b.bytes(), original);
  Buffer c(original);
  PacketMeta mc = c.parse();
  EXPECT_FALSE(build_packet_too_big(c.f, mc, test::ip6("fd00::1").data(), 1450)) << "IPv4 gets no ICMPv6";
}

struct Fragmented {
  std::vector<Buffer> bufs;
  std::vector<Frame> frames;
  int n = 0;
};
Fragmented fragment(const Bytes& frame, uint16_t mtu, int slots = 8, uint16_t capacity = 2048) {
  Fragmented r;
  for (int i = 0; i < slots; ++i) r.bufs.push_back(Buffer::empty(capacity));
  for (auto& b : r.bufs) r.frames.push_back(b.f);
  Buffer in(frame);
  r.n = fragment_ipv4(in.f, in.parse(), mtu, r.frames);
  for (int i = 0; i < r.n; ++i) r.bufs[i].f = r.frames[i];
  return r;
}

// Reassembles the fragments' payloads by offset and checks each fragment.
Bytes reassemble(const Fragmented& fr, uint16_t mtu, uint16_t first_offset = 0, bool last_more = false) {
  Bytes payload;
  for (int i = 0; i < fr.n; ++i) {
    PacketMeta m = fr.bufs[i].parse();  // header checksum verified by the parser
    EXPECT_LE(m.l3_length, mtu) << "fragment " << i;
    const uint8_t* ip = fr.bufs[i].f.data + 14;
    uint16_t word = static_cast<uint16_t>(ip[6] << 8 | ip[7]);
    bool more = word & 0x2000;
    EXPECT_EQ((word & 0x1fff) * 8u, first_offset + payload.size()) << "fragment " << i;
    EXPECT_EQ(more, i + 1 < fr.n || last_more) << "fragment " << i;
    if (i + 1 < fr.n) {
      EXPECT_EQ((m.l3_length - (ip[0] & 0xf) * 4) % 8, 0) << "non-last data in 8-byte units";
    }
    payload.insert(payload.end(), ip + (ip[0] & 0xf) * 4, ip + m.l3_length);
  }
  return payload;
}

TEST(Fragment, SplitsIntoFragmentsThatReassembleToTheOriginal) {
  for (uint16_t mtu : {1450, 576, 68}) {
    Bytes original = v4_packet(1500, 0);
    Fragmented fr = fragment(original, mtu, 32);
    ASSERT_GT(fr.n, 1) << mtu;
    EXPECT_EQ(reassemble(fr, mtu), Bytes(original.begin() + 34, original.end())) << mtu;
    EXPECT_EQ(Bytes(fr.bufs[0].f.data, fr.bufs[0].f.data + 14), Bytes(original.begin(), original.begin() + 14))
        << "every fragment carries the L2 header";
  }
  EXPECT_EQ(fragment(v4_packet(1500, 0), 1450).n, 2);  // 1424 + 56 data bytes
}

TEST(Fragment, OnlyOptionsWithTheCopyFlagRepeatAfterTheFirst) {
  // Router alert (0x94, copied) and record route (0x07, not copied), padded.
  const Bytes options = {0x94, 0x04, 0x00, 0x00, 0x07, 0x07, 0x04, 0, 0, 0, 0, 0x00};
  Bytes original = v4_packet(1500, 0, options);
  Fragmented fr = fragment(original, 1000);
  ASSERT_EQ(fr.n, 2);
  EXPECT_EQ(fr.bufs[0].f.data[14] & 0xf, 8) << "first: all 12 option bytes";
  EXPECT_EQ(fr.bufs[1].f.data[14] & 0xf, 6) << "later: router alert only";
  EXPECT_EQ(Bytes(fr.bufs[1].f.data + 34, fr.bufs[1].f.data + 38), (Bytes{0x94, 0x04, 0x00, 0x00}));
  EXPECT_EQ(reassemble(fr, 1000), Bytes(original.begin() + 14 + 32, original.end()));
}

TEST(Fragment, AFragmentIsSplitFurtherKeepingItsOffsetAndMore) {
  Bytes original = v4_packet(1500, 0x2000 | 100);  // MF, offset 800
  Fragmented fr = fragment(original, 600);
  ASSERT_EQ(fr.n, 3);
  EXPECT_EQ(reassemble(fr, 600, 800, true), Bytes(original.begin() + 34, original.end()));
}

TEST(Fragment, RefusesWhatItMustNotOrCannotSplit) {
  EXPECT_EQ(fragment(v4_packet(1500, 0x4000), 1450).n, 0) << "DF set";
  EXPECT_EQ(fragment(v4_packet(1500, 0), 67).n, 0) << "MTU below RFC 791's 68";
  EXPECT_EQ(fragment(v4_packet(1500, 0), 576, 2).n, 0) << "fewer output frames than fragments";
  EXPECT_EQ(fragment(v4_packet(1500, 0), 1450, 8, 1000).n, 0) << "output frames too small";
  const Bytes bad_options = {0x94, 0x09, 0x00, 0x00};  // length past the header
  EXPECT_EQ(fragment(v4_packet(1500, 0, bad_options), 1000).n, 0) << "malformed options";
}

}  // namespace
}  // namespace vfpath::encap
