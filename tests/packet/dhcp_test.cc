// DHCPv4, table-driven: a client's message in -> what the server decides
// (OFFER, ACK, NAK, nothing; broadcast or to whom) and the reply's options
// read back field by field; malformed messages refused with the reason.
#include "packet/dhcp.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

namespace vfpath {
namespace {

using Bytes = std::vector<uint8_t>;
constexpr uint8_t kMac[6] = {0x02, 0, 0, 0, 1, 0x0a};

Ipv4Addr ip(uint32_t h) { return Ipv4Addr::from_host(h); }

// A client message: op 1, Ethernet, the given type and options.
Bytes message(uint8_t type, Bytes options = {}, uint32_t ciaddr = 0, uint16_t flags = 0, bool end = true) {
  Bytes b(236, 0);
  b[0] = 1, b[1] = 1, b[2] = 6;
  b[4] = 0xde, b[5] = 0xad, b[6] = 0xbe, b[7] = 0xef;
  b[10] = static_cast<uint8_t>(flags >> 8), b[11] = static_cast<uint8_t>(flags);
  b[12] = static_cast<uint8_t>(ciaddr >> 24), b[13] = static_cast<uint8_t>(ciaddr >> 16),
  b[14] = static_cast<uint8_t>(ciaddr >> 8), b[15] = static_cast<uint8_t>(ciaddr);
  std::copy(kMac, kMac + 6, b.begin() + 28);
  b.insert(b.end(), {0x63, 0x82, 0x53, 0x63});
  if (type) b.insert(b.end(), {53, 1, type});
  b.insert(b.end(), options.begin(), options.end());
  if (end) b.push_back(255);
  return b;
}
Bytes opt_ip(uint8_t code, uint32_t h) {
  return {code, 4, static_cast<uint8_t>(h >> 24), static_cast<uint8_t>(h >> 16), static_cast<uint8_t>(h >> 8),
          static_cast<uint8_t>(h)};
}
Bytes cat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

DhcpLease lease() {
  DhcpLease l;
  l.address = ip(0x0a00010a);  // 10.0.1.10
  l.prefix_len = 24;
  l.router = ip(0x0a000101);
  l.dns[0] = ip(0x0a000002);
  l.dns_count = 1;
  l.mtu = 1450;
  l.hostname = "eni-vm1";
  l.hostname_len = 7;
  l.domain = "vpc.internal";
  l.domain_len = 12;
  return l;
}

// The reply's options, code -> value.
std::map<uint8_t, Bytes> options_of(const uint8_t* p, size_t n) {
  std::map<uint8_t, Bytes> out;
  for (size_t i = 240; i < n && p[i] != 255;) {
    if (p[i] == 0) {
      ++i;
      continue;
    }
    out[p[i]] = Bytes(p + i + 2, p + i + 2 + p[i + 1]);
    i += 2 + p[i + 1];
  }
  return out;
}

TEST(Dhcp, ParseRefusesWhatIsNotADhcpRequest) {
  struct Case {
    const char* proves;
    Bytes msg;
    DhcpParse want;
  };
  Bytes reply = message(1);
  reply[0] = 2;
  Bytes cookie = message(1);
  cookie[236] = 0;
  const std::vector<Case> cases = {
      {"a DISCOVER parses", message(1), DhcpParse::kOk},
      {"shorter than BOOTP", Bytes(200, 0), DhcpParse::kTooShort},
      {"a BOOTP reply is not a request", reply, DhcpParse::kNotRequest},
      {"no magic cookie", cookie, DhcpParse::kBadCookie},
      {"an option past the end", message(1, {50, 4, 10, 0}, 0, 0, false), DhcpParse::kBadOptions},
      {"no end option", message(1, {}, 0, 0, false), DhcpParse::kBadOptions},
      {"a requested address of 3 bytes", message(3, {50, 3, 1, 2, 3}), DhcpParse::kBadOptions},
      {"overloaded sname/file", message(1, {52, 1, 3}), DhcpParse::kBadOptions},
      {"no message type", message(0), DhcpParse::kNoType},
      {"a type only servers send (OFFER)", message(2), DhcpParse::kNoType},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.proves);
    DhcpRequest r;
    EXPECT_EQ(static_cast<int>(parse_dhcp_request(c.msg.data(), c.msg.size(), r)), static_cast<int>(c.want));
  }
}

TEST(Dhcp, TheServerAnswersAsRfc2131Says) {
  struct Case {
    const char* proves;
    Bytes msg;
    DhcpType reply;
    bool broadcast;
    uint32_t to;
  };
  const std::vector<Case> cases = {
      {"DISCOVER: an OFFER of the lease, to it", message(1), DhcpType::kOffer, false, 0x0a00010a},
      {"DISCOVER asking for broadcast", message(1, {}, 0, 0x8000), DhcpType::kOffer, true, 0},
      {"REQUEST (selecting) for our lease from us: ACK",
       message(3, cat(opt_ip(50, 0x0a00010a), opt_ip(54, 0x0a000101))), DhcpType::kAck, false, 0x0a00010a},
      {"REQUEST naming another server: silence", message(3, cat(opt_ip(50, 0x0a00010a), opt_ip(54, 0x0a000199))),
       DhcpType::kNone, false, 0},
      {"REQUEST (init-reboot) for another address: NAK, broadcast", message(3, opt_ip(50, 0x0a000163)), DhcpType::kNak,
       true, 0},
      {"REQUEST (renewing, ciaddr): ACK to the client", message(3, {}, 0x0a00010a), DhcpType::kAck, false, 0x0a00010a},
      {"INFORM: ACK with parameters, to ciaddr", message(8, {}, 0x0a00010a), DhcpType::kAck, false, 0x0a00010a},
      {"RELEASE: nothing to send", message(7, {}, 0x0a00010a), DhcpType::kNone, false, 0},
      {"DECLINE: nothing to send", message(4, opt_ip(50, 0x0a00010a)), DhcpType::kNone, false, 0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.proves);
    DhcpRequest r;
    ASSERT_EQ(parse_dhcp_request(c.msg.data(), c.msg.size(), r), DhcpParse::kOk);
    const DhcpDecision d = decide_dhcp(r, lease());
    EXPECT_EQ(static_cast<int>(d.reply), static_cast<int>(c.reply));
    if (d.reply == DhcpType::kNone) continue;
    EXPECT_EQ(d.broadcast, c.broadcast);
    if (!c.broadcast) EXPECT_EQ(d.to.host(), c.to);
  }
}

TEST(Dhcp, AnAckCarriesTheWholeLease) {
  DhcpRequest r;
  const Bytes msg = message(3, opt_ip(50, 0x0a00010a));
  ASSERT_EQ(parse_dhcp_request(msg.data(), msg.size(), r), DhcpParse::kOk);
  uint8_t out[kMaxDhcpReply];
  const size_t n = build_dhcp_reply(out, sizeof out, r, lease(), DhcpType::kAck);
  ASSERT_GE(n, 300u);
  EXPECT_EQ(out[0], 2);  // BOOTREPLY
  EXPECT_EQ(Bytes(out + 4, out + 8), (Bytes{0xde, 0xad, 0xbe, 0xef}));  // xid
  EXPECT_EQ(Bytes(out + 16, out + 20), (Bytes{10, 0, 1, 10}));          // yiaddr
  EXPECT_EQ(Bytes(out + 28, out + 34), Bytes(kMac, kMac + 6));          // chaddr
  auto o = options_of(out, n);
  EXPECT_EQ(o[53], Bytes{5});
  EXPECT_EQ(o[54], (Bytes{10, 0, 1, 1}));
  EXPECT_EQ(o[1], (Bytes{255, 255, 255, 0}));
  EXPECT_EQ(o[3], (Bytes{10, 0, 1, 1}));
  EXPECT_EQ(o[6], (Bytes{10, 0, 0, 2}));
  EXPECT_EQ(o[51], (Bytes{0, 0, 0x0e, 0x10}));  // 3600 s
  EXPECT_EQ(o[58], (Bytes{0, 0, 0x07, 0x08}));  // T1 1800 s
  EXPECT_EQ(o[26], (Bytes{0x05, 0xaa}));        // 1450
  EXPECT_EQ(std::string(o[12].begin(), o[12].end()), "eni-vm1");
  EXPECT_EQ(std::string(o[15].begin(), o[15].end()), "vpc.internal");
  // A NAK says only who refused.
  const size_t k = build_dhcp_reply(out, sizeof out, r, lease(), DhcpType::kNak);
  o = options_of(out, k);
  EXPECT_EQ(o.size(), 2u);
  EXPECT_EQ(Bytes(out + 16, out + 20), (Bytes{0, 0, 0, 0}));
  // No room: nothing built.
  EXPECT_EQ(build_dhcp_reply(out, 299, r, lease(), DhcpType::kAck), 0u);
}

}  // namespace
}  // namespace vfpath
