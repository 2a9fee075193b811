#include "conntrack/tcp_state.h"

namespace vfpath::ct {
namespace {

using S = TcpState;

// Serial-number arithmetic (RFC 1982): sequence numbers wrap.
bool before(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) < 0; }
bool after(uint32_t a, uint32_t b) { return before(b, a); }

enum Cls : uint8_t { kSynCls = 0, kSynAckCls, kFinCls, kAckCls, kRstCls, kNoneCls, kClsCount };

Cls classify(uint8_t f) {
  if (f & tcp_flag::kRst) return kRstCls;
  if (f & tcp_flag::kSyn) return (f & tcp_flag::kAck) ? kSynAckCls : kSynCls;
  if (f & tcp_flag::kFin) return kFinCls;
  if (f & tcp_flag::kAck) return kAckCls;
  return kNoneCls;
}

// Table cells: a TcpState, or one of these.
constexpr uint8_t kIg = 0xfe;  // ignore: let through without touching state
constexpr uint8_t kIv = 0xff;  // invalid

constexpr uint8_t NO = 0, SS = 1, SR = 2, ES = 3, FW = 4, CW = 5, LA = 6, TW = 7, CL = 8, S2 = 9;
constexpr int kStates = static_cast<int>(S::kCount);

// [dir][class][old state] -> new state. FIN/ACK cells landing in FW..TW are
// refined by derive_closing(). Rows follow nf_conntrack's tcp_conntracks.
constexpr uint8_t kTable[2][kClsCount][kStates] = {
    {
        //         NO   SS   SR   ES   FW   CW   LA   TW   CL   S2
        /*syn*/ {SS, SS, kIg, kIg, kIg, kIg, kIg, SS, SS, S2},
        /*s/a*/ {kIv, kIv, SR, kIv, kIv, kIv, kIv, kIv, kIv, SR},
        /*fin*/ {kIv, kIv, FW, FW, LA, LA, LA, TW, CL, kIv},
        /*ack*/ {ES, kIv, ES, ES, CW, CW, TW, TW, CL, kIv},
        /*rst*/ {kIv, CL, CL, CL, CL, CL, CL, CL, CL, CL},
        /*none*/ {kIv, kIv, kIv, kIv, kIv, kIv, kIv, kIv, kIv, kIv},
    },
    {
        //         NO   SS   SR   ES   FW   CW   LA   TW   CL   S2
        /*syn*/ {kIv, S2, kIv, kIv, kIv, kIv, kIv, SS, kIv, S2},
        /*s/a*/ {kIv, SR, SR, kIg, kIg, kIg, kIg, kIg, kIg, SR},
        /*fin*/ {kIv, kIv, FW, FW, LA, LA, LA, TW, CL, kIv},
        /*ack*/ {kIv, kIg, SR, ES, CW, CW, TW, TW, CL, kIg},
        /*rst*/ {kIv, CL, CL, CL, CL, CL, CL, CL, CL, CL},
        /*none*/ {kIv, kIv, kIv, kIv, kIv, kIv, kIv, kIv, kIv, kIv},
    },
};

constexpr uint8_t kNoScale = 15;

uint8_t pack_last(Dir d, Cls c, int8_t wscale) {
  uint8_t ws = wscale < 0 ? kNoScale : static_cast<uint8_t>(wscale > kMaxWindowScale ? kMaxWindowScale : wscale);
  return static_cast<uint8_t>((static_cast<uint8_t>(d) << 7) | (c << 4) | ws);
}
Dir last_dir(const TcpConn& c) { return static_cast<Dir>(c.last_info >> 7); }
Cls last_cls(const TcpConn& c) { return static_cast<Cls>((c.last_info >> 4) & 7); }

void remember(TcpConn& c, Dir d, Cls cls, const TcpSegment& seg, uint32_t end) {
  c.last_seq = seg.seq;
  c.last_end = end;
  c.last_win = seg.window;
  c.last_info = pack_last(d, cls, seg.wscale);
}

uint32_t segment_end(const TcpSegment& seg) {
  return seg.seq + seg.payload_len + (seg.has(tcp_flag::kSyn) ? 1 : 0) + (seg.has(tcp_flag::kFin) ? 1 : 0);
}

// Learns the options of a SYN or SYN/ACK for direction `s`. Scaling is on only
// when both sides offered it (RFC 7323 §1.3); a shift above 14 is taken as 14.
// The first SYN's offer is kept until the other side's SYN says whether
// scaling is on: deciding at the first SYN, when the other side has offered
// nothing yet, lost the originator's shift and read its windows unscaled
// (found by a real transfer: the server's data beyond 63 bytes refused).
void learn_syn(TcpConn& c, int s, const TcpSegment& seg) {
  c.flags[s] &= static_cast<uint8_t>(~(tcp_dir_flag::kWindowScale | tcp_dir_flag::kSackPerm));
  c.scale[s] = 0;
  if (seg.wscale != kNoWindowScale) {
    c.flags[s] |= tcp_dir_flag::kWindowScale;
    c.scale[s] = static_cast<uint8_t>(seg.wscale > kMaxWindowScale ? kMaxWindowScale : seg.wscale);
  }
  if (seg.sack_perm) c.flags[s] |= tcp_dir_flag::kSackPerm;
  const bool other_syn_seen = c.dir[1 - s].maxwin != 0;
  if (other_syn_seen &&
      !((c.flags[s] & tcp_dir_flag::kWindowScale) && (c.flags[1 - s] & tcp_dir_flag::kWindowScale)))
    c.scale[s] = c.scale[1 - s] = 0;
}

void init_sender_from_syn(TcpConn& c, int s, const TcpSegment& seg, uint32_t end) {
  c.dir[s].end = c.dir[s].maxend = end;
  c.dir[s].maxwin = seg.window == 0 ? 1 : seg.window;
  learn_syn(c, s, seg);
}

// The window check and update (the four conditions in the header). Works on
// `c`, which the caller discards unless this returns true or `liberal` holds.
bool in_window(TcpConn& c, Dir d, const TcpSegment& seg, bool liberal) {
  const int s = static_cast<int>(d), r = 1 - s;
  TcpDirection& snd = c.dir[s];
  TcpDirection& rcv = c.dir[r];
  const bool syn = seg.has(tcp_flag::kSyn);
  uint32_t seq = seg.seq;
  uint32_t end = segment_end(seg);
  uint32_t win = seg.window;

  if (snd.maxwin == 0) {
    if (syn) {
      // SYN/ACK of the responder, or the second SYN of a simultaneous open.
      init_sender_from_syn(c, s, seg, end);
      if (!seg.has(tcp_flag::kAck)) return true;
    } else {
      // First packet of this side of a connection picked up mid-stream.
      snd.end = end;
      uint32_t swin = win << c.scale[s];
      snd.maxwin = swin == 0 ? 1 : swin;
      snd.maxend = end + snd.maxwin;
      if (rcv.maxwin == 0) rcv.end = rcv.maxend = seg.ack;
    }
  } else if (syn && after(end, snd.end) &&
             ((c.state == S::kSynSent && d == Dir::kOriginal) || (c.state == S::kSynRecv && d == Dir::kReply))) {
    // A SYN (or SYN/ACK) with a new ISN: the endpoint started over.
    init_sender_from_syn(c, s, seg, end);
  }

  uint32_t ack = seg.ack;
  if (!seg.has(tcp_flag::kAck) || (seg.has(tcp_flag::kRst) && ack == 0)) ack = rcv.end;  // acks nothing new
  if (seg.has(tcp_flag::kRst) && seq == 0 && c.state == S::kSynSent) seq = end = snd.end;

  const uint32_t max_ack_window = snd.maxwin > 66000 ? snd.maxwin : 66000;
  const bool ok = !after(seq, snd.maxend) && !before(end, snd.end - rcv.maxwin) && !after(ack, rcv.end) &&
                  !before(ack, rcv.end - max_ack_window);
  const bool sender_liberal = (c.flags[s] & tcp_dir_flag::kLiberal) != 0;
  if (!ok) return liberal || sender_liberal;

  if (!syn) win <<= c.scale[s];
  if (snd.maxwin < win) snd.maxwin = win;
  if (after(end, snd.end)) snd.end = end;
  if (seg.has(tcp_flag::kAck)) {
    if (!(c.flags[s] & tcp_dir_flag::kMaxAckSet)) {
      snd.maxack = ack;
      c.flags[s] |= tcp_dir_flag::kMaxAckSet;
    } else if (after(ack, snd.maxack)) {
      snd.maxack = ack;
    }
  }
  if (rcv.maxwin != 0 && after(end, snd.maxend)) rcv.maxwin += end - snd.maxend;
  if (after(ack + win, rcv.maxend - 1)) {
    rcv.maxend = ack + win;
    if (win == 0) rcv.maxend++;
  }
  return true;
}

// FIN bookkeeping, then the closing state it implies.
S derive_closing(TcpConn& c, Dir d, const TcpSegment& seg, S old) {
  const int s = static_cast<int>(d), r = 1 - s;
  if (seg.has(tcp_flag::kFin)) c.flags[s] |= tcp_dir_flag::kFinSent;
  // An ack covering the peer's FIN (which is the last byte it sent).
  if (seg.has(tcp_flag::kAck) && (c.flags[r] & tcp_dir_flag::kFinSent) && !before(seg.ack, c.dir[r].end))
    c.flags[r] |= tcp_dir_flag::kFinAcked;
  if (old == S::kTimeWait) return S::kTimeWait;
  const bool fin_s = c.flags[s] & tcp_dir_flag::kFinSent, fin_r = c.flags[r] & tcp_dir_flag::kFinSent;
  const bool acked_s = c.flags[s] & tcp_dir_flag::kFinAcked, acked_r = c.flags[r] & tcp_dir_flag::kFinAcked;
  if (fin_s && fin_r) return acked_s && acked_r ? S::kTimeWait : S::kLastAck;
  if (fin_s) return acked_s ? S::kCloseWait : S::kFinWait;
  if (fin_r) return acked_r ? S::kCloseWait : S::kFinWait;
  return old;  // an ACK in ESTABLISHED-like states with no FIN anywhere
}

bool is_closing(uint8_t s) { return s == FW || s == CW || s == LA || s == TW; }
bool synchronised(S s) { return s >= S::kEstablished && s <= S::kLastAck; }

}  // namespace

const char* tcp_state_name(TcpState s) {
  static constexpr const char* kNames[] = {"none",       "syn_sent", "syn_recv",  "established", "fin_wait",
                                           "close_wait", "last_ack", "time_wait", "close",       "syn_sent2"};
  auto i = static_cast<unsigned>(s);
  return i < static_cast<unsigned>(S::kCount) ? kNames[i] : "?";
}

bool tcp_flags_valid(uint8_t flags) {
  using namespace tcp_flag;
  const uint8_t f = flags & static_cast<uint8_t>(~(kPsh | kEce | kCwr));
  switch (f) {
    case kSyn: case kSyn | kUrg: case kSyn | kAck:
    case kRst: case kRst | kAck:
    case kFin | kAck: case kFin | kAck | kUrg:
    case kAck: case kAck | kUrg:
      return true;
    default:
      return false;
  }
}

TcpVerdict tcp_new(TcpConn& conn, const TcpSegment& seg, bool pickup) {
  if (!tcp_flags_valid(seg.flags)) return TcpVerdict::kInvalid;
  const Cls cls = classify(seg.flags);
  TcpConn c{};
  const uint32_t end = segment_end(seg);
  if (cls == kSynCls) {
    init_sender_from_syn(c, 0, seg, end);
    c.state = S::kSynSent;
  } else if (cls == kAckCls && pickup) {
    // Window scale unknown: learn what we can and check neither side.
    c.dir[0].end = end;
    c.dir[0].maxwin = seg.window == 0 ? 1 : seg.window;
    c.dir[0].maxend = end + c.dir[0].maxwin;
    c.dir[0].maxack = seg.ack;
    c.flags[0] = tcp_dir_flag::kLiberal | tcp_dir_flag::kMaxAckSet;
    c.flags[1] = tcp_dir_flag::kLiberal;
    c.dir[1].end = c.dir[1].maxend = seg.ack;
    c.state = S::kEstablished;
  } else {
    return TcpVerdict::kInvalid;
  }
  remember(c, Dir::kOriginal, cls, seg, end);
  conn = c;
  return TcpVerdict::kAccept;
}

TcpVerdict tcp_track(TcpConn& conn, Dir d, const TcpSegment& seg, bool liberal) {
  if (!tcp_flags_valid(seg.flags)) return TcpVerdict::kInvalid;
  const Cls cls = classify(seg.flags);
  const S old = conn.state;
  if (old == S::kNone || old >= S::kCount) return TcpVerdict::kInvalid;
  uint8_t next = kTable[static_cast<int>(d)][cls][static_cast<int>(old)];
  const uint32_t end = segment_end(seg);
  const int s = static_cast<int>(d), r = 1 - s;

  if (next == kIv) return TcpVerdict::kInvalid;
  if (next == SS && (old == S::kTimeWait || old == S::kClose)) return TcpVerdict::kReopen;

  if (next == kIg) {
    if (cls == kSynAckCls && last_cls(conn) == kSynCls && last_dir(conn) != d && seg.ack == conn.last_end) {
      // This SYN/ACK answers the SYN we ignored: both ends agree on a new
      // connection and we were out of sync. Restart from the remembered SYN.
      TcpConn c{};
      const int o = static_cast<int>(last_dir(conn));
      c.dir[o].end = c.dir[o].maxend = conn.last_end;
      c.dir[o].maxwin = conn.last_win == 0 ? 1 : conn.last_win;
      uint8_t ws = conn.last_info & 0x0f;
      if (ws != kNoScale) {
        c.flags[o] = tcp_dir_flag::kWindowScale;
        c.scale[o] = ws;
      }
      c.state = S::kSynSent;
      if (!in_window(c, d, seg, false)) return TcpVerdict::kInvalid;
      c.state = S::kSynRecv;
      remember(c, d, cls, seg, end);
      conn = c;
      return TcpVerdict::kAccept;
    }
    remember(conn, d, cls, seg, end);
    return TcpVerdict::kIgnore;
  }

  bool check_window = true;
  bool keep_state = false;  // an in-window RST that must wait for its challenge ACK
  if (cls == kRstCls) {
    const TcpDirection& rcv = conn.dir[r];
    // RFC 793 §3.9 / RFC 5961 §3: in SYN-SENT the responder's RST is
    // acceptable only if it acks the SYN exactly; anything else is blind.
    if (old == S::kSynSent && d == Dir::kReply && !(seg.has(tcp_flag::kAck) && seg.ack == rcv.end))
      return TcpVerdict::kInvalid;
    if ((conn.flags[r] & tcp_dir_flag::kMaxAckSet) && last_cls(conn) != kSynCls) {
      const bool answer_to_syn = seg.seq == 0 && !synchronised(old);
      if (!answer_to_syn) {
        if (before(seg.seq, rcv.maxack)) return TcpVerdict::kInvalid;  // already acked: stale or forged
        const bool train = last_cls(conn) == kAckCls && last_dir(conn) == d && seg.seq == conn.last_end;
        // RFC 5961 §3.2: only the exact next sequence resets; anything else
        // in window makes the peer send a challenge ACK, so let it through.
        if (synchronised(old) && seg.seq != rcv.maxack && !train) keep_state = true;
      }
    }
    if (last_cls(conn) == kSynCls && last_dir(conn) != d && seg.has(tcp_flag::kAck) && seg.ack == conn.last_end)
      check_window = false;  // the peer refuses the SYN we let through while ignoring it
  }

  TcpConn c = conn;
  if (check_window && !in_window(c, d, seg, liberal)) return TcpVerdict::kInvalid;
  if (keep_state) {
    remember(conn, d, cls, seg, end);
    return TcpVerdict::kIgnore;
  }
  S ns = static_cast<S>(next);
  if (is_closing(next)) ns = derive_closing(c, d, seg, old);
  c.state = ns;
  remember(c, d, cls, seg, end);
  conn = c;
  return TcpVerdict::kAccept;
}

}  // namespace vfpath::ct
