// What the matcher needs to know about one packet, filled by the pipeline
// stage from its parsed metadata. Plain, trivially copyable; the matcher
// reads it and keeps no pointer past the call.
#pragma once

#include <cstdint>

#include "ids/rule.h"

namespace vfpath::ids {

inline constexpr uint8_t kIpProtoIcmp = 1, kIpProtoTcp = 6, kIpProtoUdp = 17, kIpProtoIcmpV6 = 58;

struct PacketView {
  Family family = Family::V4;
  uint8_t ip_proto = 0;        // IANA number: 6 tcp, 17 udp, 1 icmp, 58 icmpv6
  uint8_t tcp_flags = 0;       // the TCP header's flag byte (FIN=0x01 .. CWR=0x80)
  bool to_server = true;       // sent by the side that opened the connection
  bool established = false;    // conntrack saw both directions (TCP: handshake done)
  uint16_t sport = 0, dport = 0;  // host order; 0 for protocols without ports
  const uint8_t* src = nullptr;   // 4 (V4) or 16 (V6) bytes, network order
  const uint8_t* dst = nullptr;
  const uint8_t* payload = nullptr;  // L4 payload; may be null when payload_len == 0
  uint32_t payload_len = 0;
  // TCP stream inspection (ids/stream.h): `payload` is a window of the
  // reassembled stream (the carry before this segment's new bytes), not the
  // packet's own payload. dsize then reads segment_len, the packet's.
  bool in_stream = false;
  uint32_t segment_len = 0;
  // The window starts at the stream's first byte. When false, rules with an
  // absolute content (offset/depth, relative to the stream's start) do not
  // match: the bytes they constrain were inspected in an earlier window.
  bool stream_start = true;

  uint32_t dsize() const { return in_stream ? segment_len : payload_len; }
};

}  // namespace vfpath::ids
