// The compiled configuration the workers read: immutable once published, so
// workers use it without locks; replaced whole by one atomic pointer store and
// freed after an RCU grace period (snapshot_publisher.h). Built by
// control/compile.cc; later stages add their compiled tables here.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "acl/classifier.h"
#include "acl/nacl.h"
#include "acl/small_classifier.h"
#include "conntrack/flow_table.h"
#include "packet/addr.h"
#include "dataplane/counter_totals.h"
#include "packet/flat_map.h"
#include "acl/sg_set_rules.h"
#include "dataplane/allowance.h"
#include "dataplane/ids_ruleset.h"
#include "packet/dhcp.h"
#include "packet/dhcp6.h"

namespace vfpath {

inline constexpr uint16_t kNoEni = 0xffff;
// In the address table: the address is the VPC router's own (a subnet gateway).
inline constexpr uint16_t kRouterEni = 0xfffe;
// A verdict's out_eni for traffic to the internet gateway (after 1:1 NAT).
inline constexpr uint16_t kInternetEni = 0xfffc;
// Counter slots are preallocated per lcore; an ENI's slot stays its own for
// the daemon's lifetime.
inline constexpr uint32_t kMaxEnis = 1024;
inline constexpr uint16_t kMaxPorts = 64;

// A subnet with the VPC's default NACL (everything allowed) is not evaluated.
inline constexpr uint16_t kDefaultNacl = 0xffff;
// Per-rule NACL hit counters are preallocated per lcore, like ENI counters.
inline constexpr uint32_t kMaxNaclHitSlots = 65536;

enum class PortRole : uint8_t { kUnused = 0, kEni = 1, kUplink = 2 };

struct PortEntry {
  std::string name;
  PortRole role = PortRole::kUnused;
  uint16_t only_eni = kNoEni;  // the ENI when exactly one is on this port
};

struct SubnetEntry {
  std::string id;
  uint16_t vpc = 0;
  bool has_ipv4 = false;
  Ipv4Prefix cidr4;
  Ipv4Addr gateway4;
  bool has_ipv6 = false;
  Ipv6Prefix cidr6;
  Ipv6Addr gateway6;
  uint16_t nacl = kDefaultNacl;  // index into Snapshot::nacls
};

// One direction and family of a network ACL, compiled: classify() gives
// userdata u; verdicts[u] is the entry that decided (u = 0: the implicit
// deny), hit_slots[u] its hit-counter slot (stable across pushes, see
// control/counter_slots.h) and hit_baselines[u] what that slot counted
// before this entry owned it.
// Up to SmallClassifier::kMaxRules entries use the small classifier (a few
// cycles per packet); larger NACLs (raised quotas) use rte_acl. Classifiers
// are immutable and shared by every snapshot whose table has the same rules
// (a push rebuilds only what it changed; control/compile_cache.h).
struct NaclTable {
  std::shared_ptr<const acl::SmallClassifier> small;
  std::shared_ptr<const acl::Classifier> classifier;
  std::vector<acl::nacl::Verdict> verdicts;
  std::vector<uint32_t> hit_slots;
  std::vector<uint64_t> hit_baselines;

  void classify(const uint8_t* const* keys, uint32_t* userdata, uint32_t n) const {
    if (small) small->classify(keys, userdata, n);
    else if (classifier) classifier->classify(keys, userdata, n);
    else for (uint32_t i = 0; i < n; ++i) userdata[i] = 0;
  }
};

struct NaclEntry {
  std::string id;
  NaclTable tables[2][2];  // [acl::nacl::Direction][family: 0 IPv4, 1 IPv6]
  const NaclTable& table(acl::nacl::Direction d, bool ipv6) const {
    return tables[static_cast<int>(d)][ipv6 ? 1 : 0];
  }
};

// An ENI's security-group policy: the union of its groups, compiled per
// direction and family. Rules whose peer is a CIDR form allow-only tables (a
// NaclTable whose entries all allow: classify() gives 0 when no rule allows,
// else u with verdicts[u].rule_number); rules whose peer is a group or a
// prefix list are set rules, checked against Snapshot::address_sets when no
// table rule allowed. A rule number n names rule_names[n - 1]. ENIs with the
// same groups share one policy, and so do snapshots while the groups' rules
// stay the same (membership changes only the address sets).
struct SgPolicy {
  NaclTable tables[2][2];  // [acl::nacl::Direction][family: 0 IPv4, 1 IPv6]
  std::vector<SgSetRule> set_rules[2][2];
  std::vector<std::string> rule_names;  // "sg-web ingress[0] 10.0.0.0/8", for Explain
  // [family][0 TCP, 1 UDP]: all-open both ways, so not tracked (AWS).
  bool untracked[2][2] = {};
  const NaclTable& table(acl::nacl::Direction d, bool ipv6) const {
    return tables[static_cast<int>(d)][ipv6 ? 1 : 0];
  }
  // The set rule allowing the packet whose classifier key is `key` when no
  // table rule did (match_set_rules), 0 for none.
  uint16_t set_rule_allowing(acl::nacl::Direction d, bool ipv6, const uint8_t* key, const AddressSets* sets) const {
    const auto& rules = set_rules[static_cast<int>(d)][ipv6 ? 1 : 0];
    return rules.empty() ? 0 : match_set_rules(rules, *sets, key, ipv6, d);
  }
};

namespace eni_ct_flags {
inline constexpr uint8_t kRevalidate = 0x01;  // re-check connections admitted under an older policy
// The ENI has IDS (Snapshot::eni_ids says which rule set): the conntrack
// stage, which reads this entry anyway, tells the IDS stage whether a burst
// touches such an ENI at all, so bursts that do not cost it nothing.
inline constexpr uint8_t kIds = 0x02;
}

// What the conntrack stage reads per ENI, packed (8 bytes).
struct EniCt {
  uint16_t zone = 0;       // = the ENI's counter slot: stable across pushes
  uint16_t sg_policy = 0;  // index into Snapshot::sg_policies
  uint8_t flags = 0;       // eni_ct_flags
  // Its policy's SgPolicy::untracked, one bit each (bit family * 2 + (UDP ? 1 : 0)),
  // so the untracked test reads this 8-byte entry only (the SgPolicy is
  // large: loading it per packet was the conntrack stage's top stall).
  uint8_t untracked = 0;
  uint8_t reserved[2] = {};
};
static_assert(sizeof(EniCt) == 8);

// An ENI's instance metadata options (enis[].metadata_options, EC2's).
struct EniMetadataOptions {
  bool enabled = true;          // http_endpoint
  bool tokens_required = true;  // http_tokens: required (IMDSv2 only)
  uint8_t put_hop_limit = 1;    // http_put_response_hop_limit
};

struct EniEntry {
  std::string id;
  MacAddr mac;
  uint16_t vlan = 0;  // 0: untagged
  uint16_t port = 0;  // DPDK port id
  uint16_t subnet = 0;
  uint16_t vpc = 0;
  bool source_dest_check = true;
  std::vector<Ipv4Addr> ipv4;
  std::vector<Ipv6Addr> ipv6;
  uint32_t counter_slot = 0;
  ct::ZoneConfig conntrack;  // timeouts, allowance (whole appliance), liberal
  std::vector<std::string> security_groups;  // effective groups, for Get/Explain
  // Instance metadata: what the metadata service answers this ENI's VM.
  EniMetadataOptions metadata;
  std::string instance_id;
  std::string user_data;
  // The XDP program's new-connection allowance (xdp/README.md); 0: none.
  uint32_t syn_pps = 0, syn_burst = 0;
  // Elastic IPs: (private, public), at most one per private address.
  std::vector<std::pair<Ipv4Addr, Ipv4Addr>> public_ipv4;
};

// The internet gateway (InternetGateway in the schema).
struct InternetEntry {
  uint16_t port = 0;  // DPDK port id
  MacAddr mac;        // ours on it
  MacAddr next_hop;   // the public-side router
};

// A public address: whose, and which private address it stands for.
struct PublicTarget {
  uint16_t eni = kNoEni;
  Ipv4Addr private_ip;
};

// Hash keys are built as whole 64-bit words, in registers: a key assembled
// from narrow stores and then hashed as words stalls on store forwarding
// (measured: the largest cost of the route stage before this).

// (port, VLAN, source MAC) -> ENI: how a frame on an ENI port is attributed.
// w[0] = port | vlan << 16 | MAC bytes 0-3 << 32; w[1] = MAC bytes 4-5.
struct L2Key {
  uint64_t w[2];
};
static_assert(sizeof(L2Key) == 16);

// (VPC, address) -> ENI that owns the address: the VPC router's local table.
// w[0] = vpc | family << 16; w[1], w[2] = the address (IPv4: low 4 bytes of w[1]).
struct RouteKey {
  uint64_t w[3];
};
static_assert(sizeof(RouteKey) == 24);

inline L2Key make_l2_key(uint16_t port, uint16_t vlan, const uint8_t* mac) {
  uint32_t lo;
  uint16_t hi;
  std::memcpy(&lo, mac, 4);
  std::memcpy(&hi, mac + 4, 2);
  return L2Key{{uint64_t{port} | uint64_t{vlan} << 16 | uint64_t{lo} << 32, hi}};
}

// `addr` holds 4 (IPv4) or 16 (IPv6) bytes, network order.
inline RouteKey make_route_key(uint16_t vpc, uint8_t family, const uint8_t* addr) {
  uint64_t a = 0, b = 0;
  if (family == 4) {
    uint32_t v;
    std::memcpy(&v, addr, 4);
    a = v;
  } else {
    std::memcpy(&a, addr, 8);
    std::memcpy(&b, addr + 8, 8);
  }
  return RouteKey{{uint64_t{vpc} | uint64_t{family} << 16, a, b}};
}

struct OverlaySnapshot;  // dataplane/overlay_snapshot.h

struct Snapshot {
  uint64_t generation = 0;
  MacAddr router_mac;          // the VPC router's MAC, seen by every VM
  Ipv6Addr router_link_local;  // fe80::/64 EUI-64 of router_mac
  std::vector<PortEntry> ports;  // indexed by DPDK port id
  std::vector<SubnetEntry> subnets;
  std::vector<EniEntry> enis;
  std::vector<EniTotals> eni_baselines;  // per ENI: its slot's counts before it owned it
  // Per ENI, what the NACL stage needs, packed (subnet << 16 | its NACL) in
  // one array of 4-byte entries: EniEntry is large, and touching two of them
  // per packet showed in the profile.
  std::vector<uint32_t> eni_subnet_nacl;
  std::vector<std::string> vpc_ids;
  std::vector<NaclEntry> nacls;
  std::vector<std::shared_ptr<const SgPolicy>> sg_policies;
  // The sets the policies' set rules look their peers up in (always set by
  // compile_snapshot). Long-lived and changed in place (address_sets.h).
  std::shared_ptr<const AddressSets> address_sets;
  std::vector<EniCt> eni_ct;  // per ENI
  uint32_t conntrack_capacity = 1u << 20;  // connections, all workers together
  FlatMap<L2Key, uint16_t> eni_by_l2;
  FlatMap<RouteKey, uint16_t> eni_by_address;
  // The VPC overlay; null without an underlay. shared_ptr so that this header
  // needs only the declaration (its deleter is fixed where it is made).
  std::shared_ptr<const OverlaySnapshot> overlay;
  // IDS/IPS (ids/README.md): the rule sets ENIs name, and per ENI which one
  // in which mode. eni_ids is empty when no ENI has IDS, so the stage costs
  // one test per burst for the rest.
  std::vector<std::shared_ptr<const IdsRuleset>> ids_rulesets;
  std::vector<EniIds> eni_ids;
  // Per ENI, its allowances (dataplane/allowance.h); empty when no ENI has
  // any (the link-local allowance applies to every ENI regardless).
  std::vector<EniAllowances> eni_allowances;
  // Per ENI, its DHCP lease (address 0: no IPv4, not answered); hostnames
  // point into enis[].id, domains into vpc_dhcp_domains.
  std::vector<DhcpLease> eni_dhcp;
  std::vector<Dhcp6Lease> eni_dhcp6;  // per ENI, its DHCPv6 lease (address :: : no IPv6, not answered)
  std::vector<std::string> vpc_dhcp_domains;
  // Counter slot -> ENI index (kNoEni: none), kMaxEnis entries: the
  // metadata service's replies name their ENI by its stable slot.
  std::vector<uint16_t> eni_of_slot;
  // Source prefixes the XDP program drops (xdp.block); the control side
  // writes them into its maps, the workers never read them.
  std::vector<Ipv4Prefix> xdp_block4;
  std::vector<Ipv6Prefix> xdp_block6;
  // The internet gateway and the Elastic IPs; has_internet false: none.
  bool has_internet = false;
  InternetEntry internet;
  FlatMap<uint64_t, PublicTarget> eni_by_public;  // public IPv4 (network order, low 32 bits) -> ENI
  std::vector<std::vector<Ipv4Prefix>> vpc_cidrs4;  // per VPC: its IPv4 CIDRs (internet = outside them)

  bool in_vpc(uint16_t vpc, const uint8_t* a) const {
    if (vpc >= vpc_cidrs4.size()) return false;
    Ipv4Addr x;
    std::memcpy(&x.value, a, 4);
    for (const Ipv4Prefix& p : vpc_cidrs4[vpc])
      if (p.contains(x)) return true;
    return false;
  }

  // The ENI that owns counter slot `slot`, or null.
  const EniEntry* eni_at_slot(uint32_t slot) const {
    if (slot >= eni_of_slot.size() || eni_of_slot[slot] >= enis.size()) return nullptr;
    return &enis[eni_of_slot[slot]];
  }
  // Rebuilds eni_of_slot from enis[].counter_slot.
  void index_slots() {
    eni_of_slot.assign(kMaxEnis, kNoEni);
    for (size_t i = 0; i < enis.size(); ++i)
      if (enis[i].counter_slot < kMaxEnis) eni_of_slot[enis[i].counter_slot] = static_cast<uint16_t>(i);
  }

  const PortEntry* port(uint16_t id) const { return id < ports.size() ? &ports[id] : nullptr; }
};

}  // namespace vfpath
