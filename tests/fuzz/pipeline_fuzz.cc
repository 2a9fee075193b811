// libFuzzer target: any byte string as a frame, through the parser and the
// whole ENI pipeline (ARP/ND answers, ICMP errors built in place, VLAN
// rewrite, overlay encapsulation and MTU) and the uplink pipeline (validated
// decapsulation) against a small VPC on a VXLAN overlay, with IDS on both
// ENIs (vm1 DETECT, vm2 PREVENT; UDP/ICMP block scans, the TCP stream
// normaliser and its windows), DHCP leases for both (DHCP requests answered
// in place) and allowances on vm2. Built with ASan and UBSan; the frame sits in
// an exactly sized allocation after the headroom, so any read past it is a
// crash. Run by tests/fuzz/run_fuzz.sh (CI) and scripts/fuzz.sh.
#include <cstdint>
#include <cstring>
#include <vector>

#include "dataplane/overlay_snapshot.h"
#include "ids/rule_parser.h"
#include "packet/parser.h"
#include "dataplane/pipeline.h"

namespace {

using namespace vfpath;

MacAddr mac(uint8_t last) { return MacAddr{{0x02, 0, 0, 0, 1, last}}; }

// The VPC on VNI 100 over an IPv4 underlay (192.168.100.1, port 2): host
// 192.168.100.2 owns 10.0.3.10 and fd00:0:0:3::10, host .4 routes 10.0.8.0/24.
std::shared_ptr<const OverlaySnapshot> overlay() {
  static encap::MappingTable table(64, 4);
  auto o = std::make_shared<OverlaySnapshot>();
  const auto host2 = encap::UnderlayIp::v4(Ipv4Addr::from_host(0xc0a86402u));
  table.put_host(0, encap::UnderlayIp::v4(Ipv4Addr::from_host(0x0a00030au)), {host2, mac(3)});
  Ipv6Addr remote6{};
  remote6.bytes[0] = 0xfd;
  remote6.bytes[7] = 3;
  remote6.bytes[15] = 0x10;
  table.put_host(0, encap::UnderlayIp::v6(remote6), {host2, mac(3)});
  table.put(0, encap::UnderlayIp::v4(Ipv4Addr::from_host(0x0a000800u)), 24,
            {encap::UnderlayIp::v4(Ipv4Addr::from_host(0xc0a86404u)), mac(4)});
  o->uplink_port = 2;
  o->mappings = &table;
  o->decap.has_v4 = true;
  o->decap.local_v4 = Ipv4Addr::from_host(0xc0a86401u);
  o->decap.geneve_port = 0;
  o->vnis.add(100, 0);
  o->vpc_of_key.assign(4, 0);
  VpcOverlay v;
  v.vni = 100;
  encap::EncapSpec spec;
  spec.local = encap::UnderlayIp::v4(o->decap.local_v4);
  spec.vni = 100;
  v.to_v4 = encap::EncapTemplate::build(spec);
  v.inner_mtu_v4 = 1450;
  o->vpcs.push_back(std::move(v));
  return o;
}

// A rule set of every kind the matcher and the stream path treat apart:
// absolute and relative contents, pcre, flow, dsize, flags, header-only,
// pass and drop.
std::shared_ptr<const IdsRuleset> ids_ruleset() {
  const char* text =
      "alert tcp any any -> any any (msg:\"abs\"; content:\"GET\"; depth:3; content:\"/a\"; distance:1; within:8; sid:1;)\n"
      "drop tcp any any -> any any (msg:\"drop\"; flow:to_server,established; content:\"EVIL\"; nocase; sid:2;)\n"
      "alert udp any any -> any any (msg:\"pcre\"; pcre:\"/x[yz]{2,}/i\"; dsize:>4; sid:3;)\n"
      "alert tcp any any -> any any (msg:\"syn\"; flags:S,12; sid:4;)\n"
      "pass tcp any any -> any any (msg:\"pass\"; content:\"|00 01 02|\"; sid:5;)\n"
      "drop ip any any -> any any (msg:\"any ip\"; content:\"ZZZZ\"; sid:6;)\n"
      "alert icmp any any -> any any (msg:\"icmp\"; content:\"ping\"; sid:7;)\n";
  ids::ParseResult p = ids::parse_rules(text);
  std::vector<ids::RuleError> errors;
  auto rs = std::make_shared<IdsRuleset>();
  rs->id = "fuzz";
  rs->db = ids::Database::compile(std::move(p.rules), errors);
  if (!rs->db) __builtin_trap();
  std::string error;
  rs->scratch.push_back(ids::Scratch::create(*rs->db, ids::kStreamWindowBytes, error));
  if (!rs->scratch[0]) __builtin_trap();
  return rs;
}

// Two ENIs in two subnets of one VPC (one on a VLAN), IPv4 and IPv6; built by
// hand so the target needs neither protobuf nor EAL.
const Snapshot& snapshot() {
  static Snapshot s = [] {
    Snapshot s;
    s.router_mac = MacAddr{{0x02, 0x76, 0x66, 0x70, 0, 1}};
    s.router_link_local = link_local_from_mac(s.router_mac);
    s.ports.resize(3);
    s.ports[0] = {"a", PortRole::kEni, 0};
    s.ports[1] = {"b", PortRole::kEni, 1};
    s.ports[2] = {"u", PortRole::kUplink, kNoEni};
    s.vpc_ids = {"vpc"};
    for (uint8_t i = 0; i < 2; ++i) {
      SubnetEntry sn;
      sn.id = "sn" + std::to_string(i);
      sn.has_ipv4 = sn.has_ipv6 = true;
      sn.cidr4 = {Ipv4Addr::from_host(0x0a000000u | (i + 1u) << 8), 24};
      sn.gateway4 = Ipv4Addr::from_host(sn.cidr4.addr.host() + 1);
      sn.cidr6.len = 64;
      sn.cidr6.addr.bytes[0] = 0xfd;
      sn.cidr6.addr.bytes[7] = i + 1;
      sn.gateway6 = sn.cidr6.addr;
      sn.gateway6.bytes[15] = 1;
      s.subnets.push_back(sn);
      EniEntry e;
      e.id = "eni" + std::to_string(i);
      e.mac = mac(i);
      e.vlan = i == 1 ? 7 : 0;
      e.port = i;
      e.subnet = i;
      e.counter_slot = i;
      e.ipv4 = {Ipv4Addr::from_host(sn.cidr4.addr.host() + 10)};
      Ipv6Addr a6 = sn.cidr6.addr;
      a6.bytes[15] = 0x10;
      e.ipv6 = {a6};
      s.enis.push_back(e);
    }
    std::vector<std::pair<L2Key, uint16_t>> l2;
    std::vector<std::pair<RouteKey, uint16_t>> routes;
    for (uint16_t i = 0; i < 2; ++i) {
      const EniEntry& e = s.enis[i];
      l2.emplace_back(make_l2_key(e.port, e.vlan, e.mac.bytes.data()), i);
      routes.emplace_back(make_route_key(0, 4, reinterpret_cast<const uint8_t*>(&e.ipv4[0])), i);
      routes.emplace_back(make_route_key(0, 6, e.ipv6[0].bytes.data()), i);
      routes.emplace_back(make_route_key(0, 4, reinterpret_cast<const uint8_t*>(&s.subnets[i].gateway4)), kRouterEni);
      routes.emplace_back(make_route_key(0, 6, s.subnets[i].gateway6.bytes.data()), kRouterEni);
    }
    // One security-group policy allowing everything each way, tracked
    // (the untracked flags stay off), so every packet meets conntrack.
    SgPolicy p;
    for (int dir = 0; dir < 2; ++dir)
      for (int fam = 0; fam < 2; ++fam) {
        acl::Rule any;
        any.family = fam ? acl::Family::kIpv6 : acl::Family::kIpv4;
        NaclTable& t = p.tables[dir][fam];
        const acl::Rule rules[] = {any};
        t.small = std::make_unique<acl::SmallClassifier>(std::move(acl::SmallClassifier::build(any.family, rules)).value());
        t.verdicts = {{acl::nacl::Action::kDeny, 0}, {acl::nacl::Action::kAllow, 1}};
      }
    p.rule_names = {"fuzz all"};
    s.sg_policies.push_back(std::make_shared<const SgPolicy>(std::move(p)));
    s.eni_ct = {EniCt{0, 0, eni_ct_flags::kIds, {}}, EniCt{1, 0, eni_ct_flags::kRevalidate | eni_ct_flags::kIds, {}}};
    s.ids_rulesets = {ids_ruleset()};
    s.eni_ids = {EniIds{0, ids::Mode::Detect}, EniIds{0, ids::Mode::Prevent}};
    // DHCP leases (the link-local stage answers in place) and allowances
    // on vm2 (pps and bandwidth both ways).
    s.eni_dhcp.resize(2);
    for (uint8_t i = 0; i < 2; ++i) {
      DhcpLease& l = s.eni_dhcp[i];
      l.address = s.enis[i].ipv4[0];
      l.router = s.subnets[i].gateway4;
      l.dns[0] = Ipv4Addr::from_host(0x0a000002u);
      l.dns_count = 1;
      l.mtu = 1450;
      l.hostname = s.enis[i].id.c_str();
      l.hostname_len = static_cast<uint8_t>(s.enis[i].id.size());
    }
    s.eni_allowances.resize(2);
    s.eni_allowances[1] = EniAllowances{{1000, 64}, {125000, 65536}, {125000, 65536}};
    s.eni_by_l2 = *FlatMap<L2Key, uint16_t>::build(l2);
    s.eni_by_address = *FlatMap<RouteKey, uint16_t>::build(routes);
    s.eni_subnet_nacl = {0u << 16 | kDefaultNacl, 1u << 16 | kDefaultNacl};
    s.overlay = overlay();
    return s;
  }();
  return s;
}

// The first input byte steers the frame past the early stages, which raw
// captures rarely pass (their MACs and addresses are nobody's here): bit 0
// makes it vm1's on port 0 (to the router's MAC from vm1's; an IPv4 or IPv6
// packet from vm1's address, its IPv4 header checksum made right), bit 1
// sends it to the overlay's remote host instead of vm2, bit 2 makes it a
// reply (from vm2 to vm1). Without bit 0 the frame goes as it is to every
// port. The rest of the input is the frame.
void steer(uint8_t how, uint8_t* f, size_t size) {
  static const uint8_t router[6] = {0x02, 0x76, 0x66, 0x70, 0, 1};
  if (size < 14) return;
  std::memcpy(f, router, 6);
  const MacAddr vm1 = mac(0);
  std::memcpy(f + 6, vm1.bytes.data(), 6);
  const uint16_t type = static_cast<uint16_t>(f[12] << 8 | f[13]);
  const bool reply = how & 4;
  const uint8_t peer = how & 2 ? 3 : 2;  // 10.0.3.10 / fd00:0:0:3::10 live on host .2 of the overlay
  if (type == 0x0800 && size >= 34 && (f[14] >> 4) == 4) {
    const uint8_t src[4] = {10, 0, static_cast<uint8_t>(reply ? peer : 1), 10};
    const uint8_t dst[4] = {10, 0, static_cast<uint8_t>(reply ? 1 : peer), 10};
    std::memcpy(f + 26, src, 4);
    std::memcpy(f + 30, dst, 4);
    const size_t ihl = (f[14] & 15u) * 4u;
    if (ihl >= 20 && 14 + ihl <= size) {
      f[24] = f[25] = 0;
      uint32_t sum = 0;
      for (size_t i = 0; i < ihl; i += 2) sum += static_cast<uint32_t>(f[14 + i] << 8 | f[15 + i]);
      while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
      f[24] = static_cast<uint8_t>(~sum >> 8);
      f[25] = static_cast<uint8_t>(~sum);
    }
  } else if (type == 0x86dd && size >= 54) {
    uint8_t a[16] = {0xfd, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x10};
    uint8_t b[16] = {0xfd, 0, 0, 0, 0, 0, 0, peer, 0, 0, 0, 0, 0, 0, 0, 0x10};
    std::memcpy(f + 22, reply ? b : a, 16);
    std::memcpy(f + 38, reply ? a : b, 16);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* input, size_t input_size) {
  if (input_size < 1 || input_size > 4097) return 0;
  const uint8_t how = input[0];
  const uint8_t* data = input + 1;
  const size_t size = input_size - 1;
  constexpr size_t kHeadroom = 128, kTailroom = 64;
  // One exact allocation: headroom, the frame, tailroom. Stages may write in
  // the head- and tailroom they are told about, never read past the frame.
  std::vector<uint8_t> buf(kHeadroom + size + kTailroom);
  std::memcpy(buf.data() + kHeadroom, data, size);
  PacketMeta m;
  parse_frame(buf.data() + kHeadroom, static_cast<uint32_t>(size), m);
  for (uint16_t port = 0; port < 3; ++port) {
    if ((how & 1) && port != 0) break;
    std::memcpy(buf.data() + kHeadroom, data, size);
    if (how & 1) steer(how, buf.data() + kHeadroom, size);
    Burst b;
    b.count = 1;
    b.in_port = port;
    b.frames[0] = Frame{buf.data() + kHeadroom, static_cast<uint16_t>(size), kHeadroom, kTailroom,
                        static_cast<uint32_t>(size)};
    static ScratchContext scratch(1024);
    scratch.ctx.metadata_running = true;  // requests to 169.254.169.254 are translated, not dropped
    run_pipeline(b, snapshot(), scratch.ctx);
    const Frame& f = b.frames[0];
    // An output frame stays inside the buffer it was given.
    if (b.verdict[0].action == Action::kForward || b.verdict[0].action == Action::kReply ||
        b.verdict[0].action == Action::kToMetadata) {
      if (f.data < buf.data() || f.data + f.len > buf.data() + buf.size()) __builtin_trap();
    }
  }
  return 0;
}
