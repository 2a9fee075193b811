// DHCPv4 (RFC 2131, options RFC 2132) as the VPC's DHCP server answers it:
// a request parsed from a BOOTP message, and the reply built for an ENI's
// one static lease (its primary IPv4 address). Pure, allocation-free;
// dataplane/stages/dhcp_stage.cc puts the reply into the frame.
#pragma once

#include <cstddef>
#include <cstdint>

#include "packet/addr.h"
#include "packet/big_endian.h"

namespace vfpath {

namespace wire {
// The fixed BOOTP part; the magic cookie and options follow.
struct __attribute__((packed)) BootpHeader {
  uint8_t op;     // 1 request, 2 reply
  uint8_t htype;  // 1 Ethernet
  uint8_t hlen;   // 6
  uint8_t hops;
  be32 xid;
  be16 secs;
  be16 flags;     // 0x8000: reply by broadcast
  be32 ciaddr;    // the client's address when it has one (renewing, INFORM)
  be32 yiaddr;    // "your" address: the lease
  be32 siaddr;
  be32 giaddr;    // relay agent
  uint8_t chaddr[16];
  uint8_t sname[64];
  uint8_t file[128];
};
static_assert(sizeof(BootpHeader) == 236);
inline constexpr uint32_t kDhcpMagic = 0x63825363;
inline constexpr uint16_t kDhcpServerPort = 67, kDhcpClientPort = 68;
}  // namespace wire

enum class DhcpType : uint8_t {
  kNone = 0, kDiscover = 1, kOffer = 2, kRequest = 3, kDecline = 4, kAck = 5, kNak = 6, kRelease = 7, kInform = 8
};

enum class DhcpParse : uint8_t {
  kOk,
  kTooShort,     // shorter than BOOTP + cookie
  kNotRequest,   // op != 1, or not Ethernet (htype 1, hlen 6)
  kBadCookie,
  kBadOptions,   // an option running past the end, or no end
  kNoType,       // no option 53, or a type a client does not send
};

struct DhcpRequest {
  DhcpType type = DhcpType::kNone;
  uint32_t xid = 0;        // as on the wire (copied back)
  uint16_t flags = 0;      // host order
  Ipv4Addr ciaddr{};
  uint8_t chaddr[6] = {};
  bool has_requested = false;
  Ipv4Addr requested{};    // option 50
  bool has_server_id = false;
  Ipv4Addr server_id{};    // option 54
};

// Parses `len` bytes of UDP payload.
DhcpParse parse_dhcp_request(const uint8_t* data, size_t len, DhcpRequest& out);

// An ENI's lease, from the snapshot.
struct DhcpLease {
  Ipv4Addr address{};     // the ENI's primary IPv4
  uint8_t prefix_len = 24;
  Ipv4Addr router{};      // the subnet's gateway, also the server id
  Ipv4Addr dns[4] = {};
  uint8_t dns_count = 0;
  uint16_t mtu = 0;       // option 26 when not 0 (the overlay's inner MTU)
  uint32_t lease_seconds = 3600;
  const char* hostname = nullptr;   // option 12 (the ENI id), may be null
  uint8_t hostname_len = 0;
  const char* domain = nullptr;     // option 15, may be null
  uint8_t domain_len = 0;
};

// What the server does with a request (RFC 2131 §4.3).
struct DhcpDecision {
  DhcpType reply = DhcpType::kNone;  // kOffer, kAck, kNak, or kNone: no reply
  bool broadcast = false;            // IP destination 255.255.255.255
  Ipv4Addr to{};                     // otherwise the unicast destination
};
DhcpDecision decide_dhcp(const DhcpRequest& r, const DhcpLease& lease);

// The reply's UDP payload (BOOTP + cookie + options, padded to BOOTP's
// 300-byte minimum) into out[0, room); its length, 0 when room is short.
size_t build_dhcp_reply(uint8_t* out, size_t room, const DhcpRequest& r, const DhcpLease& lease, DhcpType reply);

// The largest reply build_dhcp_reply makes (room to check before building).
inline constexpr size_t kMaxDhcpReply = sizeof(wire::BootpHeader) + 4 + 3 + 6 + 6 + 6 + 6 + 6 + 6 + 18 + 4 + 257 + 257 + 1;

}  // namespace vfpath
