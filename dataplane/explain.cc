#include "dataplane/explain.h"

#include <arpa/inet.h>

#include <cstring>

#include "packet/checksum.h"
#include "packet/net_headers.h"
#include "dataplane/overlay_snapshot.h"
#include "packet/parser.h"
#include "dataplane/pipeline.h"

namespace vfpath {
namespace {

using namespace wire;

struct Writer {
  std::vector<uint8_t> b;
  void u8(uint8_t v) { b.push_back(v); }
  void u16(uint16_t v) { u8(v >> 8); u8(v & 0xff); }
  void u32(uint32_t v) { u16(v >> 16); u16(v & 0xffff); }
  void bytes(const void* p, size_t n) { b.insert(b.end(), static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + n); }
};

std::vector<uint8_t> l4(const PacketDescription& d, bool v6) {
  Writer w;
  if (d.protocol == kProtoTcp) {
    w.u16(d.src_port); w.u16(d.dst_port); w.u32(1); w.u32(0); w.u8(0x50); w.u8(0x02); w.u16(65535); w.u16(0); w.u16(0);
  } else if (d.protocol == kProtoUdp) {
    w.u16(d.src_port); w.u16(d.dst_port); w.u16(8); w.u16(0);
  } else if (d.protocol == (v6 ? kProtoIcmpv6 : kProtoIcmp)) {
    w.u8(d.icmp_type); w.u8(d.icmp_code); w.u16(0); w.u16(d.src_port); w.u16(1);
  } else {
    w.u32(0); w.u32(0);
  }
  return w.b;
}

// Builds Ethernet (from the ENI to the router) / IP / L4 into `frame`.
bool build_frame(const Snapshot& s, const EniEntry& eni, const PacketDescription& d, std::vector<uint8_t>& frame,
                 std::string& error) {
  Ipv6Addr dst6, src6;
  in_addr dst4{}, src4{};
  bool v6;
  if (inet_pton(AF_INET, d.dst.c_str(), &dst4) == 1) v6 = false;
  else if (inet_pton(AF_INET6, d.dst.c_str(), dst6.bytes.data()) == 1) v6 = true;
  else return error = "destination \"" + d.dst + "\" is not an IPv4 or IPv6 address", false;
  if (!d.src.empty()) {
    if (v6 ? inet_pton(AF_INET6, d.src.c_str(), src6.bytes.data()) != 1 : inet_pton(AF_INET, d.src.c_str(), &src4) != 1)
      return error = "source \"" + d.src + "\" is not an address of the destination's family", false;
  } else if (v6) {
    if (eni.ipv6.empty()) return error = "ENI " + eni.id + " has no IPv6 address", false;
    src6 = eni.ipv6.front();
  } else {
    if (eni.ipv4.empty()) return error = "ENI " + eni.id + " has no IPv4 address", false;
    src4.s_addr = eni.ipv4.front().value.raw();
  }
  std::vector<uint8_t> payload = l4(d, v6);
  Writer w;
  w.bytes(s.router_mac.bytes.data(), 6);
  w.bytes(eni.mac.bytes.data(), 6);
  if (eni.vlan) { w.u16(kEtherTypeVlan); w.u16(eni.vlan); }
  w.u16(v6 ? kEtherTypeIpv6 : kEtherTypeIpv4);
  size_t l3 = w.b.size();
  if (v6) {
    w.u32(6u << 28); w.u16(static_cast<uint16_t>(payload.size())); w.u8(d.protocol); w.u8(d.ttl);
    w.bytes(src6.bytes.data(), 16); w.bytes(dst6.bytes.data(), 16);
  } else {
    w.u8(0x45); w.u8(0); w.u16(static_cast<uint16_t>(20 + payload.size())); w.u16(0); w.u16(0x4000);
    w.u8(d.ttl); w.u8(d.protocol); w.u16(0); w.bytes(&src4, 4); w.bytes(&dst4, 4);
    ipv4_header_checksum_set(w.b.data() + l3, 20);
  }
  size_t l4_at = w.b.size();
  w.bytes(payload.data(), payload.size());
  if (d.protocol == (v6 ? kProtoIcmpv6 : kProtoIcmp)) {
    be16 c = v6 ? ipv6_l4_checksum(w.b.data() + l3 + 8, w.b.data() + l3 + 24, kProtoIcmpv6, w.b.data() + l4_at, payload.size())
                : checksum_finish(checksum_partial(w.b.data() + l4_at, payload.size()));
    std::memcpy(w.b.data() + l4_at + 2, &c, 2);
  }
  frame = std::move(w.b);
  return true;
}

// Where the overlay would send a destination no local ENI owns.
std::string remote_owner(const Snapshot& s, const EniEntry& eni, const PacketMeta& m) {
  if (!s.overlay) return " (no underlay: no route)";
  const VpcOverlay& vpc = s.overlay->vpcs[eni.vpc];
  if (vpc.vni == 0) return " (the VPC has no VNI: no route)";
  encap::OverlayAddr dst;
  dst.addr = m.dst;
  dst.ipv6 = m.kind == PacketKind::kIpv6;
  encap::Mapping peer;
  if (!s.overlay->mappings->find(vpc.table_key, dst, peer)) return " (VNI " + std::to_string(vpc.vni) + ": no mapping or route)";
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(peer.underlay.ipv6 ? AF_INET6 : AF_INET, peer.underlay.addr.bytes, text, sizeof text);
  return "; the overlay sends it to host " + std::string(text) + " (VNI " + std::to_string(vpc.vni) + ")";
}

}  // namespace

Explanation explain(const Snapshot& s, const PacketDescription& d) {
  Explanation e;
  const EniEntry* eni = nullptr;
  for (uint16_t i = 0; i < s.enis.size(); ++i)
    if (s.enis[i].id == d.eni) eni = &s.enis[i];
  if (!eni) return e.error = "no ENI \"" + d.eni + "\"", e;
  std::vector<uint8_t> frame;
  if (!build_frame(s, *eni, d, frame, e.error)) return e;

  PacketMeta asked;  // the packet as sent: replies rewrite the burst's copy
  parse_frame(frame.data(), static_cast<uint32_t>(frame.size()), asked);
  std::vector<uint8_t> buf(2048);
  constexpr uint16_t kHeadroom = 128;
  std::memcpy(buf.data() + kHeadroom, frame.data(), frame.size());
  Burst b;
  b.count = 1;
  b.in_port = eni->port;
  b.frames[0] = Frame{buf.data() + kHeadroom, static_cast<uint16_t>(frame.size()), kHeadroom,
                      static_cast<uint16_t>(buf.size() - kHeadroom - frame.size()), static_cast<uint32_t>(frame.size())};
  // A fresh connection table: the explanation is of a connection's first
  // packet (what the security groups decide), whatever the workers hold.
  ScratchContext scratch(1024);
  scratch.ctx.ids_scratch = kControlScratch;  // never a worker's Hyperscan scratch
  scratch.ctx.metadata_running = true;  // explained as the service would take it
  run_pipeline(b, s, scratch.ctx);
  const Verdict& v = b.verdict[0];
  e.verdict = v.action == Action::kForward ? "forward" : v.action == Action::kReply ? "reply"
              : v.action == Action::kToMetadata ? "metadata" : "drop";
  if (v.drop != DropReason::kNone) e.drop_reason = std::string(drop_reason_name(v.drop));
  if (v.action == Action::kForward && v.out_eni < s.enis.size()) e.to_eni = s.enis[v.out_eni].id;

  const RouteKey key = make_route_key(eni->vpc, asked.kind == PacketKind::kIpv6 ? 6 : 4, asked.dst.bytes);
  const uint16_t* target = s.eni_by_address.find(key);
  const std::string vpc = s.vpc_ids[eni->vpc];
  if (!target) e.route = "no ENI of VPC " + vpc + " owns " + d.dst + " on this appliance" + remote_owner(s, *eni, asked);
  else if (*target == kRouterEni) e.route = d.dst + " is the VPC router (a subnet gateway of " + vpc + ")";
  else e.route = d.dst + " is ENI " + s.enis[*target].id + " in subnet " + s.subnets[s.enis[*target].subnet].id + " of VPC " + vpc;

  for (int pass = 0; pass < 2; ++pass) {
    if (!v.nacl_hit[pass]) continue;
    uint32_t slot = v.nacl_hit[pass] - 1;
    for (const NaclEntry& n : s.nacls)
      for (int dir = 0; dir < 2; ++dir)
        for (int fam = 0; fam < 2; ++fam) {
          const NaclTable& t = n.tables[dir][fam];
          size_t u = 0;
          while (u < t.hit_slots.size() && t.hit_slots[u] != slot) ++u;
          if (u == t.hit_slots.size()) continue;
          const auto& verdict = t.verdicts[u];
          e.nacls.push_back({n.id, pass == 0 ? "egress" : "ingress", verdict.rule_number,
                             verdict.action == acl::nacl::Action::kAllow});
        }
  }
  static constexpr const char* kNotes[] = {"", "new connection", "established", "untracked (all-open both ways)",
                                          "related", "revalidated", "fragment",
                                          "ICMP error allowed as ICMP (not related here)"};
  // sg_deny comes from the egress pass unless that pass let the packet on.
  const int denied_pass = v.drop != DropReason::kSgDeny ? -1 : v.ct[0] != CtNote::kNone ? 1 : 0;
  for (int pass = 0; pass < 2; ++pass) {
    const uint16_t at = pass == 0 ? v.in_eni : v.out_eni;
    const bool checked = v.ct[pass] != CtNote::kNone || pass == denied_pass;
    if (at >= s.enis.size() || !checked) continue;
    SgStep step;
    step.eni = s.enis[at].id;
    step.direction = pass == 0 ? "egress" : "ingress";
    for (const auto& g : s.enis[at].security_groups) step.groups += (step.groups.empty() ? "" : ",") + g;
    step.state = kNotes[static_cast<int>(v.ct[pass])];
    if (v.sg_rule[pass]) step.rule = s.sg_policies[s.eni_ct[at].sg_policy]->rule_names[v.sg_rule[pass] - 1];
    step.allowed = v.ct[pass] != CtNote::kNone;
    e.security_groups.push_back(std::move(step));
  }
  return e;
}

}  // namespace vfpath
