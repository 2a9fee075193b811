// Egress encapsulation from a prebuilt template.
//
// The control thread builds one EncapTemplate per (underlay, VNI, tunnel
// type): outer Ethernet / IPv4|IPv6 / UDP / VXLAN|Geneve with every constant
// field filled and the constant part of the checksums pre-summed. Per packet,
// `encapsulate` copies it into the frame's headroom in front of the inner
// Ethernet frame and patches only what varies: the peer (destination) underlay
// address, the lengths, the UDP source port (and IPv6 flow label) from the
// inner flow hash, and the checksums. The peer is a per-packet argument, not
// part of the template, because there is one peer per remote host and it comes
// from the mapping lookup of that very packet.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "packet/addr.h"
#include "packet/frame.h"
#include "encap/wire.h"

namespace vfpath::encap {

enum class TunnelType : uint8_t { kVxlan = 0, kGeneve = 1 };

// How the outer UDP checksum is produced.
enum class UdpChecksumMode : uint8_t {
  kZero = 0,      // IPv4 underlay only: 0 = "no checksum" (RFC 7348 §5 SHOULD)
  kSoftware = 1,  // computed over the whole UDP datagram (single-segment frames)
  kOffload = 2,   // the pseudo-header sum is stored, not inverted, for the NIC to
                  // finish (the DPDK RTE_MBUF_F_TX_UDP_CKSUM convention)
};

// An address of either family with its family (IPv4 in the first 4 bytes,
// the rest zero): an underlay address here, an overlay one in mapping_table.h.
struct UnderlayIp {
  IpAddr addr{};
  bool ipv6 = false;

  static UnderlayIp v4(Ipv4Addr a) {
    UnderlayIp u;
    u.addr.words[0] = a.value.raw();
    return u;
  }
  static UnderlayIp v6(const Ipv6Addr& a) {
    UnderlayIp u;
    u.ipv6 = true;
    for (int i = 0; i < 16; ++i) u.addr.bytes[i] = a.bytes[i];
    return u;
  }
  bool operator==(const UnderlayIp& o) const {
    return ipv6 == o.ipv6 && addr.qwords[0] == o.addr.qwords[0] && addr.qwords[1] == o.addr.qwords[1];
  }
};

// One Geneve option as configured: data length a multiple of 4, at most 124.
struct GeneveOptionSpec {
  uint16_t option_class = 0;
  uint8_t type = 0;  // high bit = critical
  std::vector<uint8_t> data;
};

struct EncapSpec {
  TunnelType type = TunnelType::kVxlan;
  UnderlayIp local;              // our underlay address (outer source)
  MacAddr local_mac;             // our uplink MAC (outer source MAC)
  MacAddr next_hop_mac;          // the underlay next hop (outer destination MAC)
  uint32_t vni = 0;              // 24 bits
  UdpChecksumMode udp_checksum = UdpChecksumMode::kZero;
  uint16_t udp_dst_port = 0;     // 0: the IANA port of `type`
  uint8_t ttl = 64;              // outer TTL / hop limit
  std::vector<GeneveOptionSpec> geneve_options;  // Geneve only
};

// Bytes prepended: outer Ethernet + IP + UDP + tunnel header (+ options).
// VXLAN: 50 over IPv4, 70 over IPv6; Geneve: the same + option bytes.
constexpr uint16_t encap_overhead(bool ipv6_underlay, uint16_t geneve_option_bytes = 0) {
  return static_cast<uint16_t>(14 + (ipv6_underlay ? 40 : 20) + 8 + 8 + geneve_option_bytes);
}

// Largest template: IPv6 underlay, Geneve with kMaxTemplateOptionBytes.
inline constexpr uint16_t kMaxTemplateOptionBytes = 56;
inline constexpr uint16_t kMaxTemplateBytes = encap_overhead(true, kMaxTemplateOptionBytes);
static_assert(kMaxTemplateBytes == 126);

// Immutable after build; shared read-only by all workers. 192 bytes: the
// header bytes in the first two cache lines, the per-packet constants after.
class alignas(64) EncapTemplate {
 public:
  // Returns nullopt when the spec is invalid: VNI over 24 bits, a zero UDP
  // checksum on an IPv6 underlay (we always compute it there, RFC 6935),
  // options on VXLAN, an option whose data is not a multiple of 4 bytes or
  // over 124, or options over kMaxTemplateOptionBytes in total.
  static std::optional<EncapTemplate> build(const EncapSpec& spec);

  uint16_t overhead() const { return len_; }
  bool ipv6() const { return ipv6_; }
  TunnelType type() const { return type_; }
  UdpChecksumMode udp_checksum() const { return udp_mode_; }
  std::span<const uint8_t> bytes() const { return {bytes_, len_}; }

 private:
  EncapTemplate() = default;  // only build() makes one
  friend bool encapsulate(Frame& f, const EncapTemplate& t, const UnderlayIp& peer, uint32_t flow_hash);

  uint8_t bytes_[128];       // the outer headers, destination address and lengths zero
  uint16_t len_ = 0;         // == overhead()
  uint16_t l4_offset_ = 0;   // UDP header offset in bytes_
  uint32_t ip_sum_ = 0;      // IPv4: header sum without total length, dst, checksum
  uint32_t pseudo_sum_ = 0;  // UDP pseudo-header sum of the source address and protocol
  bool ipv6_ = false;
  TunnelType type_ = TunnelType::kVxlan;
  UdpChecksumMode udp_mode_ = UdpChecksumMode::kZero;
};
static_assert(sizeof(EncapTemplate) == 192);

// Prepends `t` in front of the inner Ethernet frame `f` (which becomes the
// whole outer frame), addressed to `peer` (same family as the template), with
// the UDP source port and IPv6 flow label taken from `flow_hash`
// (inner_flow_hash). Returns false, leaving `f` unchanged, when the headroom
// is short of t.overhead(), the peer's family differs, the outer length would
// exceed 65535, or a software UDP checksum is asked of a multi-segment frame.
// Thread-safe for distinct frames; no allocation.
bool encapsulate(Frame& f, const EncapTemplate& t, const UnderlayIp& peer, uint32_t flow_hash);

}  // namespace vfpath::encap
