// DHCPv6 (RFC 8415) as the VPC's server answers it: stateful, one address
// per client — the ENI's primary IPv6 — in an IA_NA. A client message
// parsed, and the server's ADVERTISE or REPLY built. Pure, allocation-free;
// the link-local stage (dataplane/stages/link_local_stage.cc) sends it back
// from the router's link-local address.
#pragma once

#include <cstddef>
#include <cstdint>

#include "packet/addr.h"

namespace vfpath {

inline constexpr uint16_t kDhcp6ClientPort = 546, kDhcp6ServerPort = 547;

enum class Dhcp6Type : uint8_t {
  kNone = 0, kSolicit = 1, kAdvertise = 2, kRequest = 3, kConfirm = 4, kRenew = 5, kRebind = 6, kReply = 7,
  kRelease = 8, kDecline = 9, kInformationRequest = 11
};

enum class Dhcp6Parse : uint8_t {
  kOk,
  kTooShort,    // under the 4-byte header
  kBadOptions,  // an option running past the end, or a malformed IA_NA / client id
  kNotClient,   // a type only servers or relays send
  kNoClientId,  // every client message but INFORMATION-REQUEST carries one (§16)
};

struct Dhcp6Request {
  Dhcp6Type type = Dhcp6Type::kNone;
  uint8_t xid[3] = {};
  const uint8_t* client_id = nullptr;  // into the message: the DUID, echoed back
  uint16_t client_id_len = 0;
  bool has_ia_na = false;
  uint8_t iaid[4] = {};
  bool rapid_commit = false;
  bool has_server_id = false;
  const uint8_t* server_id = nullptr;
  uint16_t server_id_len = 0;
};

Dhcp6Parse parse_dhcp6_request(const uint8_t* data, size_t len, Dhcp6Request& out);

struct Dhcp6Lease {
  Ipv6Addr address{};         // the ENI's primary IPv6
  MacAddr router_mac{};       // the server's DUID-LL
  Ipv6Addr dns[4] = {};       // option 23 (RFC 3646), the VPC's IPv6 DNS servers
  uint8_t dns_count = 0;
  const char* domain = nullptr;  // option 24, the search list: the VPC's domain (not owned)
  uint8_t domain_len = 0;
  uint32_t lifetime = 3600;   // preferred = valid; T1 = 1/2, T2 = 7/8
};

// The reply type for a request, kNone when none is sent (a message for
// another server, a type the server ignores).
Dhcp6Type dhcp6_reply_type(const Dhcp6Request& r, const Dhcp6Lease& lease);

// The reply's UDP payload into out[0, room); its length, 0 when room is short.
size_t build_dhcp6_reply(uint8_t* out, size_t room, const Dhcp6Request& r, const Dhcp6Lease& lease, Dhcp6Type reply);

// Room build_dhcp6_reply may need (a client id is at most 130 bytes, RFC 8415
// §11.1; a domain in DNS wire form is its text + 2).
inline constexpr size_t kMaxDhcp6Reply = 4 + 4 + 130 + 4 + 10 + 4 + 12 + 4 + 24 + 4 + 64 + 4 + 257 + 4 + 2 + 6;

}  // namespace vfpath
