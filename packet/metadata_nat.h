// The instance metadata service's addresses and the address translation
// between a VM and the service (control/metadata_server.h). The service
// runs in a network namespace of its own; a VM's request reaches it with
// its source rewritten to a client address that names the VM's ENI (its
// stable counter slot) and which of the ENI's addresses it came from, so
// the service knows whom it answers and VMs of overlapping VPCs never
// collide. The reply's destination is rewritten back.
//   client IPv4: 198.18.0.0/15 (RFC 2544 benchmarking space), host part slot << 6 | index
//   client IPv6: fd00:ec2:ffff::/96, low 32 bits slot << 6 | index
// Both directions carry TCP only; checksums are recomputed (the service's
// traffic is small and its packets come from a kernel, never offloaded).
#pragma once

#include <cstdint>

#include "packet/addr.h"
#include "packet/packet_meta.h"

namespace vfpath::metadata {

inline constexpr uint16_t kServicePort = 80;
inline constexpr Ipv4Addr kServiceV4 = Ipv4Addr::from_host(0xa9fea9feu);  // 169.254.169.254
Ipv6Addr service_v6();                                                       // fd00:ec2::254
inline constexpr uint32_t kClientV4Base = 0xc6120000u;                      // 198.18.0.0
inline constexpr uint32_t kClientV4PrefixLen = 15;
inline constexpr uint32_t kClientV6PrefixLen = 96;
inline constexpr uint32_t kMaxSlots = 1u << 10;   // = kMaxEnis
inline constexpr uint32_t kMaxAddressIndex = 1u << 6;  // addresses per family and ENI (50 allowed)

Ipv4Addr client_v4(uint32_t slot, uint32_t index);
Ipv6Addr client_v6(uint32_t slot, uint32_t index);
Ipv6Addr client_v6_prefix();  // fd00:ec2:ffff::

// A parsed request's test: a whole TCP segment to the service's port at
// 169.254.169.254 or fd00:ec2::254.
bool is_service_request(const PacketMeta& m);

// The IP packet at `ip` (its bytes [0, len)): IPv4 without fragmentation or
// IPv6 without extension headers, carrying TCP. Fills its family and
// addresses; false when it is not such a packet or lengths disagree.
struct TcpPacket {
  bool v6 = false;
  uint8_t src[16] = {};  // IPv4: the first 4 bytes
  uint8_t dst[16] = {};
  uint32_t length = 0;   // the IP packet's length by its header (<= len)
};
bool parse_tcp_packet(const uint8_t* ip, uint32_t len, TcpPacket& out);

// Rewrites the source (or destination) address of the TCP packet at `ip`
// to `addr` (4 or 16 bytes by its family) and recomputes the IPv4 header
// and TCP checksums. False (nothing written) when parse_tcp_packet fails.
bool rewrite_address(uint8_t* ip, uint32_t len, bool source, const uint8_t* addr);

// The slot and address index a client address names; false when it is not one.
bool client_of(const TcpPacket& p, uint32_t& slot, uint32_t& index);

}  // namespace vfpath::metadata
