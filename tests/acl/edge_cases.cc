#include "edge_cases.h"

#include <cstring>

#include "acl/cidr.h"

namespace acl::testing {

std::vector<uint8_t> key_bytes(const Ipv4Key& k) {
  std::vector<uint8_t> b(sizeof(k));
  std::memcpy(b.data(), &k, sizeof(k));
  return b;
}

std::vector<uint8_t> key_bytes(const Ipv6Key& k) {
  std::vector<uint8_t> b(sizeof(k));
  std::memcpy(b.data(), &k, sizeof(k));
  return b;
}

Address v6(const char* text) { return parse_address(text, Family::kIpv6).value(); }

namespace {

constexpr uint16_t kEdgePorts[] = {0,    1,    2,     52,    53,    54,    1022,  1023,
                                   1024, 1025, 65278, 65279, 65280, 65281, 65534, 65535};

struct Range {
  uint16_t lo, hi;
};
constexpr Range kRanges[] = {{0, 0},         {1, 1},         {0, 1023},      {1024, 65535},
                             {53, 53},       {52, 54},       {0, 65535},     {65535, 65535},
                             {65280, 65535}, {65279, 65281}, {1, 65534},     {1023, 1024},
                             {54, 65279},    {0, 52},        {65281, 65535}, {2, 65278}};

}  // namespace

std::vector<EdgeCase> port_edge_cases() {
  std::vector<EdgeCase> out;
  for (const Range& r : kRanges) {
    for (int field = 0; field < 2; ++field) {
      for (Family fam : {Family::kIpv4, Family::kIpv6}) {
        EdgeCase c;
        c.family = fam;
        c.proves = std::string(field == 0 ? "sport " : "dport ") + std::to_string(r.lo) + ":" +
                   std::to_string(r.hi) + (fam == Family::kIpv4 ? " IPv4" : " IPv6") +
                   " matches exactly the inclusive range";
        Rule rule;
        rule.family = fam;
        (field == 0 ? rule.sport : rule.dport) = PortRange{r.lo, r.hi};
        c.rules.push_back(rule);
        for (uint16_t p : kEdgePorts) {
          const uint16_t sport = field == 0 ? p : 7;
          const uint16_t dport = field == 1 ? p : 7;
          const uint32_t want = (p >= r.lo && p <= r.hi) ? 1 : 0;
          const auto key = fam == Family::kIpv4
                               ? key_bytes(make_ipv4_key(0x0a000001, 0x0a000002, sport, dport, 6))
                               : key_bytes(make_ipv6_key(v6("2001:db8::1"), v6("2001:db8::2"),
                                                         sport, dport, 6));
          c.probes.push_back(Probe{"port " + std::to_string(p), key, want});
        }
        out.push_back(std::move(c));
      }
    }
  }
  return out;
}

std::vector<EdgeCase> prefix_edge_cases() {
  std::vector<EdgeCase> out;
  auto v4 = [](uint32_t src, uint32_t dst) {
    return key_bytes(make_ipv4_key(src, dst, 1000, 80, 6));
  };
  {
    EdgeCase c{"IPv4 /32 src matches only that host; /0 dst matches 0.0.0.0 and "
               "255.255.255.255", Family::kIpv4, {}, {}};
    c.rules.push_back(Rule{.src = Address::v4(0xc0000201), .src_len = 32});
    c.probes = {{"exact", v4(0xc0000201, 0), 1},
                {"exact, dst all ones", v4(0xc0000201, 0xffffffff), 1},
                {"next host", v4(0xc0000202, 0), 0},
                {"previous host", v4(0xc0000200, 0), 0}};
    out.push_back(c);
  }
  {
    EdgeCase c{"IPv4 /0 matches every address incl. all-zero and all-ones", Family::kIpv4, {}, {}};
    c.rules.push_back(Rule{});
    c.probes = {{"zero", v4(0, 0), 1}, {"ones", v4(0xffffffff, 0xffffffff), 1}};
    out.push_back(c);
  }
  {
    EdgeCase c{"IPv4 /1 and /31 split exactly at their boundary", Family::kIpv4, {}, {}};
    c.rules.push_back(Rule{.dst = Address::v4(0x80000000), .dst_len = 1});
    c.rules.push_back(Rule{.src = Address::v4(0x0a000002), .src_len = 31});
    c.probes = {{"dst 128.0.0.0 in /1", v4(0, 0x80000000), 1},
                {"dst 127.255.255.255 outside /1", v4(0, 0x7fffffff), 0},
                {"src .2 in /31", v4(0x0a000002, 0), 2},
                {"src .3 in /31", v4(0x0a000003, 0), 2},
                {"src .4 outside /31", v4(0x0a000004, 0), 0},
                {"src .1 outside /31", v4(0x0a000001, 0), 0}};
    out.push_back(c);
  }
  {
    EdgeCase c{"IPv4 rule with host bits set matches as its canonical prefix", Family::kIpv4,
               {}, {}};
    c.rules.push_back(Rule{.src = Address::v4(0x0a0102ff), .src_len = 24});
    c.probes = {{"10.1.2.0", v4(0x0a010200, 0), 1}, {"10.1.3.0", v4(0x0a010300, 0), 0}};
    out.push_back(c);
  }
  auto k6 = [](const char* src, const char* dst) {
    return key_bytes(make_ipv6_key(v6(src), v6(dst), 1000, 80, 17));
  };
  {
    EdgeCase c{"IPv6 prefixes crossing 32-bit word boundaries (/1 /32 /33 /64 /65 /127 /128)",
               Family::kIpv6, {}, {}};
    auto add = [&](const char* addr, uint8_t len) {
      c.rules.push_back(Rule{.family = Family::kIpv6, .src = v6(addr), .src_len = len});
    };
    add("2001:db8::1", 128);        // 1
    add("2001:db8::", 127);         // 2
    add("2001:db8:0:0:8000::", 65); // 3
    add("2001:db8::", 64);          // 4
    add("2001:db8:8000::", 33);     // 5
    add("2001:db8::", 32);          // 6
    add("8000::", 1);               // 7
    c.probes = {{"::1 exact /128", k6("2001:db8::1", "::"), 1},
                {"::0 in /127", k6("2001:db8::", "::"), 2},
                {"::2 outside /127, in /64", k6("2001:db8::2", "::"), 4},
                {"bit 64 set: in /65", k6("2001:db8::8000:0:0:0", "::"), 3},
                {"last of /64", k6("2001:db8::ffff:ffff:ffff:ffff", "::"), 3},
                {"bit 32 set: /33", k6("2001:db8:8000::1", "::"), 5},
                {"bit 32 clear, other /64: /32", k6("2001:db8:1::", "::"), 6},
                {"top bit set: /1", k6("ffff::", "::"), 7},
                {"top bit clear, other net: none", k6("2001:db9::", "::"), 0}};
    out.push_back(c);
  }
  {
    EdgeCase c{"IPv6 /0 on both addresses matches :: and all-ones", Family::kIpv6, {}, {}};
    c.rules.push_back(Rule{.family = Family::kIpv6});
    c.probes = {{"::", k6("::", "::"), 1},
                {"all ones", k6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 1}};
    out.push_back(c);
  }
  {
    EdgeCase c{"IPv6 dst /128 checks all four words", Family::kIpv6, {}, {}};
    c.rules.push_back(Rule{.family = Family::kIpv6, .dst = v6("1:2:3:4:5:6:7:8"), .dst_len = 128});
    c.probes = {{"exact", k6("::", "1:2:3:4:5:6:7:8"), 1},
                {"word 0 differs", k6("::", "1:2:3:5:5:6:7:8"), 0},
                {"word 1 differs", k6("::", "1:2:3:4:5:7:7:8"), 0},
                {"last bit differs", k6("::", "1:2:3:4:5:6:7:9"), 0}};
    out.push_back(c);
  }
  return out;
}

std::vector<EdgeCase> priority_cases() {
  std::vector<EdgeCase> out;
  auto v4 = [](uint32_t src, uint16_t dport, uint8_t proto) {
    return key_bytes(make_ipv4_key(src, 0x01020304, 40000, dport, proto));
  };
  {
    EdgeCase c{"a lower-index wide rule shadows a later specific rule", Family::kIpv4, {}, {}};
    c.rules.push_back(Rule{.src = Address::v4(0x0a000000), .src_len = 8});
    c.rules.push_back(Rule{.src = Address::v4(0x0a010203), .src_len = 32,
                           .dport = {53, 53}, .proto = 17, .proto_mask = 0xff});
    c.probes = {{"specific host hits rule 0", v4(0x0a010203, 53, 17), 1},
                {"outside both", v4(0x0b000000, 53, 17), 0}};
    out.push_back(c);
  }
  {
    EdgeCase c{"a specific rule first wins over a later catch-all", Family::kIpv4, {}, {}};
    c.rules.push_back(Rule{.dport = {53, 53}, .proto = 17, .proto_mask = 0xff});
    c.rules.push_back(Rule{.dport = {0, 1023}});
    c.rules.push_back(Rule{});
    c.probes = {{"udp/53 -> 0", v4(1, 53, 17), 1},
                {"tcp/53 -> 1", v4(1, 53, 6), 2},
                {"udp/1024 -> 2", v4(1, 1024, 17), 3}};
    out.push_back(c);
  }
  {
    EdgeCase c{"proto 0x00/0x00 matches 0 and 255; 6/0xff only 6", Family::kIpv4, {}, {}};
    c.rules.push_back(Rule{.dport = {1, 1}, .proto = 6, .proto_mask = 0xff});
    c.rules.push_back(Rule{.dport = {2, 2}});
    c.probes = {{"proto 6", v4(1, 1, 6), 1},      {"proto 7", v4(1, 1, 7), 0},
                {"proto 0 any", v4(1, 2, 0), 2},  {"proto 255 any", v4(1, 2, 255), 2}};
    out.push_back(c);
  }
  {
    EdgeCase c{"ICMP type in sport, code in dport", Family::kIpv4, {}, {}};
    // echo request (type 8, code 0) only; then any ICMP.
    c.rules.push_back(Rule{.sport = {8, 8}, .dport = {0, 0}, .proto = 1, .proto_mask = 0xff});
    c.rules.push_back(Rule{.proto = 1, .proto_mask = 0xff});
    auto icmp = [](uint16_t type, uint16_t code) {
      return key_bytes(make_ipv4_key(1, 2, type, code, 1));
    };
    c.probes = {{"echo request", icmp(8, 0), 1},
                {"echo reply", icmp(0, 0), 2},
                {"type 8 code 1", icmp(8, 1), 2}};
    out.push_back(c);
  }
  return out;
}

std::vector<EdgeCase> all_edge_cases() {
  std::vector<EdgeCase> out = port_edge_cases();
  for (auto& c : prefix_edge_cases()) out.push_back(std::move(c));
  for (auto& c : priority_cases()) out.push_back(std::move(c));
  return out;
}

}  // namespace acl::testing
