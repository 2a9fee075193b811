// TCP window tracking, after Rooij's "Real Stateful TCP Packet Filtering in
// IP Filter" as Linux nf_conntrack (tcp_in_window) and OpenBSD pf implement
// it. Each direction keeps the highest sequence sent (end), the highest it
// may send (maxend = the peer's ack + window), its largest window (maxwin)
// and its scale. A segment is in window when
//   seq <= sender.maxend                          (not beyond what the peer allows)
//   end >= sender.end - receiver.maxwin           (not too old)
//   ack <= receiver.end                           (acks nothing unsent)
//   ack >= receiver.end - max(sender.maxwin, 66000)  (acks nothing too old)
// The state table follows nf_conntrack's (states, SYN_SENT2 for simultaneous
// open, "ignore" for SYNs that may belong to a connection we are out of sync
// with); the closing states are derived from which FINs were sent and acked,
// per direction, rather than from the packet kind alone, so a retransmitted
// FIN does not advance the state.
//
// Contract: tcp_new() and tcp_track() never change `conn` when they return
// kInvalid; on kIgnore only the last-packet record (last_*) changes. Pure, allocation-free, never throw; one writer per connection.
#pragma once

#include <cstddef>
#include <cstdint>

#include "conntrack/flow_key.h"
#include "conntrack/tcp_segment.h"

namespace vfpath::ct {

enum class TcpState : uint8_t {
  kNone = 0,
  kSynSent,      // SYN seen from the originator
  kSynRecv,      // SYN/ACK seen
  kEstablished,
  kFinWait,      // a FIN seen, not yet acked
  kCloseWait,    // one FIN seen and acked
  kLastAck,      // FINs seen both ways, the last not yet acked
  kTimeWait,     // both FINs acked
  kClose,        // RST seen
  kSynSent2,     // simultaneous open: SYN seen from both sides
  kCount
};
// "established", "syn_sent", ...: the names ListConnections reports.
const char* tcp_state_name(TcpState s);

enum class TcpVerdict : uint8_t {
  kAccept = 0,   // in window; state and windows updated
  kIgnore,       // let through, state untouched (a SYN we may be out of sync
                 // with, an in-window RST awaiting its challenge ACK)
  kInvalid,      // drop as tcp_invalid; state untouched
  kReopen,       // a SYN on a closed/TIME_WAIT connection: delete the entry and
                 // treat the packet as the first of a new connection
};

namespace tcp_dir_flag {
inline constexpr uint8_t kWindowScale = 0x01;  // sent the window scale option
inline constexpr uint8_t kSackPerm = 0x02;
inline constexpr uint8_t kMaxAckSet = 0x04;    // maxack is valid
inline constexpr uint8_t kLiberal = 0x08;      // window unknown (picked up mid-stream): no checks
inline constexpr uint8_t kFinSent = 0x10;      // this direction sent its FIN (ends at `end`)
inline constexpr uint8_t kFinAcked = 0x20;     // ...and the peer acked it
}  // namespace tcp_dir_flag

// One direction of the tracked connection. 16 bytes of sequence state.
struct TcpDirection {
  uint32_t end;      // highest seq + len sent
  uint32_t maxend;   // highest seq + len the peer has allowed
  uint32_t maxwin;   // largest (scaled) window advertised; 0 = nothing seen yet
  uint32_t maxack;   // highest ack sent (valid with kMaxAckSet)
};
static_assert(sizeof(TcpDirection) == 16);

// Per-connection TCP state: 48 bytes, the cold half of a table entry.
// Offsets: 0 dir[0], 16 dir[1], 32 scale[2], 34 flags[2], 36 last_seq,
// 40 last_end, 44 last_win, 46 last_info, 47 state.
struct TcpConn {
  TcpDirection dir[2];   // indexed by Dir (original, reply)
  uint8_t scale[2];      // window shift, clamped to 14 (RFC 7323 §2.3)
  uint8_t flags[2];      // tcp_dir_flag
  // The last packet let through (or ignored): lets a SYN/ACK that answers an
  // ignored SYN resynchronise us, and recognises an RST that ends a train.
  uint32_t last_seq;
  uint32_t last_end;
  uint16_t last_win;
  uint8_t last_info;     // bit 7 dir, bits 4-6 flag class, bits 0-3 wscale (15 = none)
  TcpState state;
};
static_assert(sizeof(TcpConn) == 48);
static_assert(offsetof(TcpConn, scale) == 32 && offsetof(TcpConn, last_seq) == 36 &&
              offsetof(TcpConn, last_info) == 46 && offsetof(TcpConn, state) == 47);

inline constexpr uint8_t kMaxWindowScale = 14;

// The first packet of a connection (the entry is new). A SYN starts
// SYN_SENT; with `pickup`, an ACK without SYN (mid-stream: after a restart or
// a table flush) starts ESTABLISHED with the window learnt from it and both
// directions liberal (the scale factors were never seen). Anything else is
// kInvalid.
TcpVerdict tcp_new(TcpConn& conn, const TcpSegment& seg, bool pickup);

// A later packet in direction `d`. `liberal` (a per-ENI switch) accepts
// out-of-window segments without learning from them; flag and state checks
// still apply.
TcpVerdict tcp_track(TcpConn& conn, Dir d, const TcpSegment& seg, bool liberal);

// True for the flag combinations a TCP may send, PSH/ECE/CWR aside (as in
// nf_conntrack): SYN, SYN|URG, SYN|ACK, RST, RST|ACK, FIN|ACK, FIN|ACK|URG,
// ACK, ACK|URG. So no-flags (null scan), SYN|FIN, SYN|RST, FIN without ACK
// and the "christmas tree" are invalid.
bool tcp_flags_valid(uint8_t flags);

}  // namespace vfpath::ct
