// Idle timeouts by class, with AWS defaults and the ranges AWS lets a user
// configure per ENI (TCP established 60..432000 s, UDP unreplied 30..60 s,
// UDP stream 60..180 s). Transitory TCP states use nf_conntrack's short
// defaults and are not configurable; ICMP echo and other protocols are fixed.
#pragma once

#include <array>
#include <cstdint>

#include "conntrack/tcp_state.h"

namespace vfpath::ct {

enum class TimeoutClass : uint8_t {
  kTcpSynSent = 0,  // SYN_SENT and SYN_SENT2
  kTcpSynRecv,
  kTcpEstablished,
  kTcpFinWait,
  kTcpCloseWait,
  kTcpLastAck,
  kTcpTimeWait,
  kTcpClose,
  kUdpUnreplied,    // only the originator has sent
  kUdpStream,       // both directions seen
  kIcmp,            // echo request/reply
  kOther,           // any other protocol, by addresses
  kCount
};
inline constexpr std::size_t kTimeoutClassCount = static_cast<std::size_t>(TimeoutClass::kCount);

// Seconds per class for one zone. Defaults are AWS's (and nf_conntrack's for
// the transitory TCP states).
struct ZoneTimeouts {
  uint32_t tcp_established_s = 432000;
  uint32_t udp_unreplied_s = 30;
  uint32_t udp_stream_s = 180;

  // True when every configurable value is inside its AWS range.
  bool valid() const {
    return tcp_established_s >= 60 && tcp_established_s <= 432000 && udp_unreplied_s >= 30 &&
           udp_unreplied_s <= 60 && udp_stream_s >= 60 && udp_stream_s <= 180;
  }

  uint32_t seconds(TimeoutClass c) const {
    switch (c) {
      case TimeoutClass::kTcpSynSent: return 120;
      case TimeoutClass::kTcpSynRecv: return 60;
      case TimeoutClass::kTcpEstablished: return tcp_established_s;
      case TimeoutClass::kTcpFinWait: return 120;
      case TimeoutClass::kTcpCloseWait: return 60;
      case TimeoutClass::kTcpLastAck: return 30;
      case TimeoutClass::kTcpTimeWait: return 120;
      case TimeoutClass::kTcpClose: return 10;
      case TimeoutClass::kUdpUnreplied: return udp_unreplied_s;
      case TimeoutClass::kUdpStream: return udp_stream_s;
      case TimeoutClass::kIcmp: return 30;
      case TimeoutClass::kOther: return 600;
      case TimeoutClass::kCount: break;
    }
    return 0;
  }
};

constexpr TimeoutClass timeout_class(TcpState s) {
  switch (s) {
    case TcpState::kSynRecv: return TimeoutClass::kTcpSynRecv;
    case TcpState::kEstablished: return TimeoutClass::kTcpEstablished;
    case TcpState::kFinWait: return TimeoutClass::kTcpFinWait;
    case TcpState::kCloseWait: return TimeoutClass::kTcpCloseWait;
    case TcpState::kLastAck: return TimeoutClass::kTcpLastAck;
    case TcpState::kTimeWait: return TimeoutClass::kTcpTimeWait;
    case TcpState::kClose: return TimeoutClass::kTcpClose;
    default: return TimeoutClass::kTcpSynSent;  // SYN_SENT, SYN_SENT2
  }
}

}  // namespace vfpath::ct
