// Connection tracking for one packet, over a worker's FlowTable: the
// protocol rules (TCP window tracking, UDP/ICMP unreplied/stream, others by
// addresses) on top of the table's lookup/insert/aging.
//
// Pipeline use, per burst on the owning worker:
//   1. k = flow_key_of(meta, eni); hash = flow_hash(k.key); table.prefetch(hash)
//      (k.status kIcmpError: related_key() gives the key instead; a hit is
//      kRelated, a miss or no key drops. kNoPorts: fragments, handled before.)
//   2. table.lookup_bulk(keys, hashes, n, now, ids)
//   3. hit:  track(table, id, k.src_side, pkt, now)
//      miss: policy; if allowed, admit(...); kNew from track() also goes here.
//   4. once per loop: table.age(now, budget)
// Verdicts map to drop reasons: kInvalid -> tcp_invalid, kFull ->
// conntrack_full; kPass / kRelated forward.
// Single writer per table; allocation-free, never throws.
#pragma once

#include <cstdint>

#include "conntrack/flow_key.h"
#include "conntrack/flow_table.h"
#include "conntrack/tcp_segment.h"
#include "packet/packet_meta.h"

namespace vfpath::ct {

enum class CtVerdict : uint8_t {
  kPass = 0,   // a packet of a tracked connection: forward
  kRelated,    // an ICMP error about a tracked connection: forward
  kNew,        // no connection (or a closed one being reopened): run policy, then admit()
  kInvalid,    // drop, counted tcp_invalid (state untouched)
  kFull,       // drop, counted conntrack_full (global capacity or zone allowance)
  kNoKey,      // an ICMP error that quotes nothing tracked: drop
};

// What tracking needs of a packet beyond its key.
struct CtPacket {
  uint8_t proto = 0;
  TcpSegment tcp{};  // valid when proto is TCP
};

// Reads the TCP segment when the packet is TCP. False: TCP header unreadable.
bool ct_packet_of(const uint8_t* frame, uint32_t readable, const PacketMeta& meta, CtPacket& pkt);

// A packet of the existing connection `id` sent by canonical side `src`.
CtVerdict track(FlowTable& table, EntryId id, Side src, const CtPacket& pkt, uint64_t now);

struct AdmitResult {
  CtVerdict verdict;  // kPass (admitted), kInvalid (a TCP first packet that cannot
                      // start a connection), kFull
  EntryId id;
};
// The first packet of a connection policy allowed: creates the entry with its
// originator = k.src_side, recording the policy generation and whether the
// connection is tracked (not all-open both ways).
AdmitResult admit(FlowTable& table, const KeyResult& k, uint64_t hash, const CtPacket& pkt, uint64_t now,
                  uint32_t generation, bool tracked);

}  // namespace vfpath::ct
