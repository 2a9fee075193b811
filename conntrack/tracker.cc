#include "conntrack/tracker.h"

#include "conntrack/tcp_state.h"
#include "packet/net_headers.h"

namespace vfpath::ct {
namespace {

TimeoutClass first_class(uint8_t proto) {
  switch (proto) {
    case wire::kProtoUdp: return TimeoutClass::kUdpUnreplied;
    case wire::kProtoIcmp:
    case wire::kProtoIcmpv6: return TimeoutClass::kIcmp;
    default: return TimeoutClass::kOther;
  }
}

}  // namespace

bool ct_packet_of(const uint8_t* frame, uint32_t readable, const PacketMeta& meta, CtPacket& pkt) {
  pkt = CtPacket{};
  pkt.proto = meta.l4_proto;
  if (meta.l4_proto != wire::kProtoTcp) return true;
  return read_tcp_segment(frame, readable, meta, pkt.tcp);
}

CtVerdict track(FlowTable& table, EntryId id, Side src, const CtPacket& pkt, uint64_t now) {
  FlowEntry& e = table.entry(id);
  const Dir d = e.dir_of(src);
  if (pkt.proto == wire::kProtoTcp) {
    TcpConn& conn = table.tcp(id);
    switch (tcp_track(conn, d, pkt.tcp, table.zone(e.key.zone).liberal)) {
      case TcpVerdict::kAccept: break;
      case TcpVerdict::kIgnore: return CtVerdict::kPass;
      case TcpVerdict::kInvalid: return CtVerdict::kInvalid;
      case TcpVerdict::kReopen:
        table.erase(id);
        return CtVerdict::kNew;
    }
    if (d == Dir::kReply) e.flags |= entry_flag::kSeenReply;
    table.touch(id, timeout_class(conn.state), now);
    return CtVerdict::kPass;
  }
  if (d == Dir::kReply) e.flags |= entry_flag::kSeenReply;
  TimeoutClass c = e.tclass;
  if (c == TimeoutClass::kUdpUnreplied && (e.flags & entry_flag::kSeenReply)) c = TimeoutClass::kUdpStream;
  table.touch(id, c, now);
  return CtVerdict::kPass;
}

AdmitResult admit(FlowTable& table, const KeyResult& k, uint64_t hash, const CtPacket& pkt, uint64_t now,
                  uint32_t generation, bool tracked) {
  TcpConn conn{};
  TimeoutClass c = first_class(pkt.proto);
  if (pkt.proto == wire::kProtoTcp) {
    if (k.key.zone >= table.zones()) return {CtVerdict::kFull, kNoEntry};
    if (tcp_new(conn, pkt.tcp, table.zone(k.key.zone).pickup) != TcpVerdict::kAccept)
      return {CtVerdict::kInvalid, kNoEntry};
    c = timeout_class(conn.state);
  }
  InsertResult r = table.insert(k.key, hash, NewEntry{.originator = k.src_side, .tclass = c,
                                                      .generation = generation, .tracked = tracked}, now);
  switch (r.status) {
    case InsertStatus::kInserted:
      table.tcp(r.id) = conn;
      return {CtVerdict::kPass, r.id};
    case InsertStatus::kExists:
      // A second first packet in one burst: it belongs to the entry just made.
      return {track(table, r.id, k.src_side, pkt, now), r.id};
    case InsertStatus::kTableFull:
    case InsertStatus::kZoneFull:
      break;
  }
  return {CtVerdict::kFull, kNoEntry};
}

}  // namespace vfpath::ct
