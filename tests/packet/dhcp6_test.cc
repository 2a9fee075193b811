// DHCPv6, table-driven: a client message in -> the server's reply type and,
// where it leases, the ENI's address in an IA_NA; malformed messages refused.
#include "packet/dhcp6.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <vector>

#include "packet/text_address.h"

namespace vfpath {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes opt(uint16_t code, Bytes v) {
  Bytes b{static_cast<uint8_t>(code >> 8), static_cast<uint8_t>(code), static_cast<uint8_t>(v.size() >> 8),
          static_cast<uint8_t>(v.size())};
  b.insert(b.end(), v.begin(), v.end());
  return b;
}
const Bytes kClientId = opt(1, {0, 3, 0, 1, 2, 0, 0, 0, 1, 0x0a});
const Bytes kIaNa = opt(3, {0xaa, 0xbb, 0xcc, 0xdd, 0, 0, 0, 0, 0, 0, 0, 0});
const Bytes kOurServerId = opt(2, {0, 3, 0, 1, 0x02, 0x76, 0x66, 0x70, 0, 1});

Bytes msg(uint8_t type, std::vector<Bytes> options) {
  Bytes b{type, 0x12, 0x34, 0x56};
  for (const Bytes& o : options) b.insert(b.end(), o.begin(), o.end());
  return b;
}

Dhcp6Lease lease() {
  Dhcp6Lease l;
  l.address = *parse_ipv6("fd00:10:0:1::10");
  l.router_mac = MacAddr{{0x02, 0x76, 0x66, 0x70, 0, 1}};
  return l;
}

TEST(Dhcp6, ParseRefusesWhatIsNotAClientMessage) {
  struct Case {
    const char* proves;
    Bytes m;
    Dhcp6Parse want;
  };
  Bytes cut = msg(1, {kClientId});
  cut.pop_back();
  const std::vector<Case> cases = {
      {"a SOLICIT parses", msg(1, {kClientId, kIaNa}), Dhcp6Parse::kOk},
      {"under the header", Bytes{1, 2}, Dhcp6Parse::kTooShort},
      {"an option past the end", cut, Dhcp6Parse::kBadOptions},
      {"an IA_NA too short for its IAID and timers", msg(1, {kClientId, opt(3, {1, 2, 3})}), Dhcp6Parse::kBadOptions},
      {"an ADVERTISE is a server's", msg(2, {kClientId}), Dhcp6Parse::kNotClient},
      {"a SOLICIT without a client id", msg(1, {kIaNa}), Dhcp6Parse::kNoClientId},
      {"INFORMATION-REQUEST may go without", msg(11, {}), Dhcp6Parse::kOk},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.proves);
    Dhcp6Request r;
    EXPECT_EQ(static_cast<int>(parse_dhcp6_request(c.m.data(), c.m.size(), r)), static_cast<int>(c.want));
  }
}

TEST(Dhcp6, TheServerLeasesTheEnisAddress) {
  struct Case {
    const char* proves;
    Bytes m;
    Dhcp6Type reply;
    bool address;
  };
  const std::vector<Case> cases = {
      {"SOLICIT: ADVERTISE with the address", msg(1, {kClientId, kIaNa}), Dhcp6Type::kAdvertise, true},
      {"SOLICIT with rapid commit: REPLY at once", msg(1, {kClientId, kIaNa, opt(14, {})}), Dhcp6Type::kReply, true},
      {"REQUEST to us: REPLY with the address", msg(3, {kClientId, kOurServerId, kIaNa}), Dhcp6Type::kReply, true},
      {"REQUEST to another server: silence", msg(3, {kClientId, opt(2, {0, 3, 0, 1, 9, 9, 9, 9, 9, 9}), kIaNa}),
       Dhcp6Type::kNone, false},
      {"RENEW: REPLY with the address", msg(5, {kClientId, kOurServerId, kIaNa}), Dhcp6Type::kReply, true},
      {"REQUEST naming no server: discarded (RFC 8415 16.4)", msg(3, {kClientId, kIaNa}), Dhcp6Type::kNone, false},
      {"SOLICIT naming a server: discarded (16.2)", msg(1, {kClientId, kOurServerId, kIaNa}), Dhcp6Type::kNone, false},
      {"REBIND names none: REPLY", msg(6, {kClientId, kIaNa}), Dhcp6Type::kReply, true},
      {"RELEASE: REPLY, success, no address", msg(8, {kClientId, kOurServerId, kIaNa}), Dhcp6Type::kReply, false},
      {"INFORMATION-REQUEST: REPLY, no address", msg(11, {kClientId}), Dhcp6Type::kReply, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.proves);
    Dhcp6Request r;
    ASSERT_EQ(parse_dhcp6_request(c.m.data(), c.m.size(), r), Dhcp6Parse::kOk);
    const Dhcp6Type t = dhcp6_reply_type(r, lease());
    EXPECT_EQ(static_cast<int>(t), static_cast<int>(c.reply));
    if (t == Dhcp6Type::kNone) continue;
    uint8_t out[kMaxDhcp6Reply];
    const size_t n = build_dhcp6_reply(out, sizeof out, r, lease(), t);
    ASSERT_GT(n, 4u);
    EXPECT_EQ(out[0], static_cast<uint8_t>(c.reply));
    EXPECT_EQ(Bytes(out + 1, out + 4), (Bytes{0x12, 0x34, 0x56}));  // the transaction id back
    const Bytes reply(out, out + n);
    const Bytes addr = [] { Bytes b(16); std::memcpy(b.data(), lease().address.bytes.data(), 16); return b; }();
    EXPECT_NE(std::search(reply.begin(), reply.end(), kClientId.begin(), kClientId.end()), reply.end());   // echoed
    EXPECT_NE(std::search(reply.begin(), reply.end(), kOurServerId.begin(), kOurServerId.end()), reply.end());
    const bool has_addr = std::search(reply.begin(), reply.end(), addr.begin(), addr.end()) != reply.end();
    EXPECT_EQ(has_addr, c.address);
    if (c.address) {
      const Bytes iaid{0, 3, 0, 40, 0xaa, 0xbb, 0xcc, 0xdd};  // IA_NA, 40 bytes, the client's IAID
      EXPECT_NE(std::search(reply.begin(), reply.end(), iaid.begin(), iaid.end()), reply.end());
    }
  }
  uint8_t small[16];
  Dhcp6Request r;
  const Bytes m = msg(1, {kClientId, kIaNa});
  ASSERT_EQ(parse_dhcp6_request(m.data(), m.size(), r), Dhcp6Parse::kOk);
  EXPECT_EQ(build_dhcp6_reply(small, sizeof small, r, lease(), Dhcp6Type::kAdvertise), 0u);
}

// The options of a reply, code -> value (each code once).
std::map<uint16_t, Bytes> options_of(const uint8_t* p, size_t n) {
  std::map<uint16_t, Bytes> out;
  for (size_t i = 4; i + 4 <= n;) {
    const uint16_t code = static_cast<uint16_t>(p[i] << 8 | p[i + 1]), len = static_cast<uint16_t>(p[i + 2] << 8 | p[i + 3]);
    EXPECT_LE(i + 4 + len, n);
    out[code] = Bytes(p + i + 4, p + std::min(n, i + 4 + len));
    i += 4 + len;
  }
  return out;
}

TEST(Dhcp6, DnsServersAndTheSearchDomainGoWithEveryReplyButRelease) {
  const char* domain = "corp.example.";
  struct Case {
    const char* proves;
    uint8_t type;
    bool dns;
  };
  for (const Case& c : {Case{"SOLICIT", 1, true}, Case{"INFORMATION-REQUEST (stateless clients)", 11, true},
                        Case{"RENEW", 5, true}, Case{"RELEASE: nothing more", 8, false}}) {
    SCOPED_TRACE(c.proves);
    Dhcp6Lease l = lease();
    l.dns[0] = *parse_ipv6("fd00:ec2::253");
    l.dns[1] = *parse_ipv6("2001:db8::53");
    l.dns_count = 2;
    l.domain = domain;
    l.domain_len = 13;
    Dhcp6Request r;
    const Bytes m = c.type == 1 || c.type == 11 ? msg(c.type, {kClientId, kIaNa}) : msg(c.type, {kClientId, kOurServerId, kIaNa});
    ASSERT_EQ(parse_dhcp6_request(m.data(), m.size(), r), Dhcp6Parse::kOk);
    uint8_t out[kMaxDhcp6Reply];
    const size_t n = build_dhcp6_reply(out, sizeof out, r, l, dhcp6_reply_type(r, l));
    auto o = options_of(out, n);
    EXPECT_EQ(o.count(23), c.dns ? 1u : 0u);
    EXPECT_EQ(o.count(24), c.dns ? 1u : 0u);
    if (!c.dns) continue;
    Bytes dns(32);
    std::memcpy(dns.data(), l.dns[0].bytes.data(), 16);
    std::memcpy(dns.data() + 16, l.dns[1].bytes.data(), 16);
    EXPECT_EQ(o[23], dns);  // RFC 3646: the addresses, in order
    const Bytes wire{4, 'c', 'o', 'r', 'p', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
    EXPECT_EQ(o[24], wire);  // RFC 1035 labels, the trailing dot as the root
  }
  Dhcp6Lease bad = lease();
  bad.domain = "a..b";
  bad.domain_len = 4;
  Dhcp6Request r;
  const Bytes m = msg(1, {kClientId, kIaNa});
  ASSERT_EQ(parse_dhcp6_request(m.data(), m.size(), r), Dhcp6Parse::kOk);
  uint8_t out[kMaxDhcp6Reply];
  const size_t n = build_dhcp6_reply(out, sizeof out, r, bad, Dhcp6Type::kAdvertise);
  EXPECT_EQ(options_of(out, n).count(24), 0u);  // an empty label: left out, never a broken option
  EXPECT_EQ(options_of(out, n).count(3), 1u);   // the lease still goes
}

}  // namespace
}  // namespace vfpath
