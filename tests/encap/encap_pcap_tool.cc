// Test driver for independent checks of our wire output (tshark_check.py):
//
//   encap_pcap_tool encap OUT.pcap
//     writes frames we built (VXLAN and Geneve over IPv4 and IPv6, every UDP
//     checksum mode, Geneve options, an ICMP fragmentation-needed, an ICMPv6
//     packet-too-big, and IPv4 fragments) and prints one line per frame:
//     "<frame number> <what> <vni or -> <inner destination>".
//   encap_pcap_tool decap IN.pcap
//     runs step 1 of decapsulation on every frame, with our underlay address
//     taken as its outer destination, and prints one line per frame:
//     "<frame number> <verdict> <vni> <inner offset> <inner length>".
#include <pcap/pcap.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "packet/parser.h"
#include "encap/decap.h"
#include "encap/encap_template.h"
#include "encap/flow_hash.h"
#include "encap/mtu.h"
#include "tests/encap/buffers.h"

namespace vfpath::encap {
namespace {

using test::Buffer;
using test::Bytes;

class PcapWriter {
 public:
  explicit PcapWriter(const char* path) : pcap_(pcap_open_dead(DLT_EN10MB, 65535)), dump_(pcap_dump_open(pcap_, path)) {}
  ~PcapWriter() {
    if (dump_) pcap_dump_close(dump_);
    pcap_close(pcap_);
  }
  bool ok() const { return dump_ != nullptr; }
  void write(const uint8_t* data, uint32_t len, const char* what, const std::string& vni, const std::string& dst) {
    pcap_pkthdr h{};
    h.ts.tv_sec = 1700000000 + count_;
    h.caplen = h.len = len;
    pcap_dump(reinterpret_cast<u_char*>(dump_), &h, data);
    std::printf("%d %s %s %s\n", ++count_, what, vni.c_str(), dst.c_str());
  }

 private:
  pcap_t* pcap_;
  pcap_dumper_t* dump_;
  int count_ = 0;
};

EncapSpec spec(TunnelType type, bool v6, UdpChecksumMode mode, uint32_t vni) {
  return EncapSpec{.type = type,
                   .local = v6 ? UnderlayIp::v6(test::v6addr("2001:db8::1")) : UnderlayIp::v4(test::v4addr("192.0.2.1")),
                   .local_mac = test::mac_addr("02:00:00:00:00:01"),
                   .next_hop_mac = test::mac_addr("02:00:00:00:00:02"),
                   .vni = vni,
                   .udp_checksum = mode};
}

int write_encap(const char* path) {
  PcapWriter w(path);
  if (!w.ok()) return 1;
  // One inner flow per frame (source port 40000 + i), so that no frame looks
  // like a retransmission of another to the dissector.
  auto inner4 = [](uint16_t sport) {
    return test::eth(test::kVm2Mac, test::kRouterMac, 0x0800,
                     test::ipv4("10.0.1.10", "10.0.2.10", 17, test::udp(sport, 50000, Bytes(100, 0x61))));
  };
  auto inner6 = [](uint16_t sport) {
    return test::eth(test::kVm2Mac, test::kRouterMac, 0x86dd,
                     test::ipv6("fd00::10", "fd00::20", 6, test::tcp(sport, 443, 0x02)));
  };
  uint16_t sport = 40000;
  struct Item {
    const char* what;
    TunnelType type;
    bool v6;
    UdpChecksumMode mode;
    uint32_t vni;
    bool options;
    bool inner_v6;
  };
  const Item items[] = {
      {"vxlan4-zero", TunnelType::kVxlan, false, UdpChecksumMode::kZero, 100, false, false},
      {"vxlan4-sum", TunnelType::kVxlan, false, UdpChecksumMode::kSoftware, 101, false, true},
      {"vxlan6-sum", TunnelType::kVxlan, true, UdpChecksumMode::kSoftware, 102, false, true},
      {"geneve4-options", TunnelType::kGeneve, false, UdpChecksumMode::kSoftware, 103, true, false},
      {"geneve6", TunnelType::kGeneve, true, UdpChecksumMode::kSoftware, 0xabcdef, false, false},
      {"geneve6-options", TunnelType::kGeneve, true, UdpChecksumMode::kSoftware, 104, true, true},
  };
  for (const Item& it : items) {
    EncapSpec s = spec(it.type, it.v6, it.mode, it.vni);
    if (it.options)
      s.geneve_options = {{.option_class = 0x0102, .type = 0x01, .data = Bytes(8, 0x11)},
                          {.option_class = 0xffff, .type = 0x02, .data = Bytes(4, 0x22)}};
    auto t = EncapTemplate::build(s);
    ++sport;
    Buffer b(it.inner_v6 ? inner6(sport) : inner4(sport));
    UnderlayIp peer = it.v6 ? UnderlayIp::v6(test::v6addr("2001:db8::2")) : UnderlayIp::v4(test::v4addr("192.0.2.2"));
    if (!t || !encapsulate(b.f, *t, peer, inner_flow_hash(b.parse()))) return 2;
    w.write(b.f.data, b.f.len, it.what, std::to_string(it.vni), it.inner_v6 ? "fd00::20" : "10.0.2.10");
  }

  // PMTU replies, with the L2 header the rewrite stage would write.
  const Bytes big4 = test::eth(test::kRouterMac, test::kVm1Mac, 0x0800,
                               test::ipv4("10.0.1.10", "10.0.2.10", 17, test::udp(40100, 50000, Bytes(1472, 0x41)),
                                          {.frag = 0x4000}));
  Buffer fn(big4);
  PacketMeta m = fn.parse();
  const uint8_t gw4[4] = {10, 0, 1, 1};
  if (!build_frag_needed(fn.f, m, gw4, 1450)) return 3;
  std::memcpy(fn.f.data, big4.data(), 14);
  w.write(fn.f.data, fn.f.len, "frag-needed", "-", "10.0.1.10");

  const Bytes big6 = test::eth(test::kRouterMac, test::kVm1Mac, 0x86dd,
                               test::ipv6("fd00::10", "fd00::20", 17, test::udp(40101, 50000, Bytes(1452, 0x42))));
  Buffer ptb(big6);
  m = ptb.parse();
  const Bytes gw6 = test::ip6("fd00::1");
  if (!build_packet_too_big(ptb.f, m, gw6.data(), 1430)) return 4;
  std::memcpy(ptb.f.data, big6.data(), 14);
  w.write(ptb.f.data, ptb.f.len, "packet-too-big", "-", "fd00::10");

  // The same datagram without DF, fragmented for a 1450 inner MTU.
  Buffer nb(test::eth(test::kRouterMac, test::kVm1Mac, 0x0800,
                      test::ipv4("10.0.1.10", "10.0.2.10", 17, test::udp(40100, 50000, Bytes(1472, 0x41)))));
  m = nb.parse();
  Buffer f0 = Buffer::empty(2048), f1 = Buffer::empty(2048);
  Frame frags[2] = {f0.f, f1.f};
  if (fragment_ipv4(nb.f, m, 1450, frags) != 2) return 6;
  w.write(frags[0].data, frags[0].len, "fragment", "-", "10.0.2.10");
  w.write(frags[1].data, frags[1].len, "fragment", "-", "10.0.2.10");
  return 0;
}

int decap_file(const char* path) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline(path, err);
  if (!p) {
    std::fprintf(stderr, "%s\n", err);
    return 1;
  }
  pcap_pkthdr* h;
  const u_char* data;
  int n = 0;
  while (pcap_next_ex(p, &h, &data) == 1) {
    ++n;
    Bytes copy(data, data + h->caplen);
    Frame f{copy.data(), static_cast<uint16_t>(copy.size()), 0, 0, static_cast<uint32_t>(copy.size())};
    PacketMeta outer;
    if (parse_frame(f.data, f.len, outer) != DropReason::kNone) {
      std::printf("%d malformed - - -\n", n);
      continue;
    }
    DecapConfig cfg;
    cfg.has_v4 = outer.kind == PacketKind::kIpv4;
    cfg.has_v6 = outer.kind == PacketKind::kIpv6;
    cfg.local_v4 = outer.dst4();
    cfg.local_v6 = outer.dst6();
    cfg.verify_udp_checksum = true;
    TunnelInfo t;
    DropReason e = parse_tunnel(f, outer, cfg, t);
    std::printf("%d %s %u %u %u\n", n, std::string(drop_reason_name(e)).c_str(), t.vni, t.inner_offset, t.inner_length);
  }
  pcap_close(p);
  return 0;
}

}  // namespace
}  // namespace vfpath::encap

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "encap") == 0) return vfpath::encap::write_encap(argv[2]);
  if (argc == 3 && std::strcmp(argv[1], "decap") == 0) return vfpath::encap::decap_file(argv[2]);
  std::fprintf(stderr, "usage: %s encap OUT.pcap | decap IN.pcap\n", argv[0]);
  return 64;
}
