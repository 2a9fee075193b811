// ICMP and ICMPv6 errors: the key of the connection an error is about, read
// from the packet it quotes, so the error can be admitted as RELATED (path-MTU
// discovery works even when no rule allows ICMP).
//
// The quoted packet is the offender as its sender emitted it, so its key is
// looked up like any packet of that connection (keys are direction-free).
// Bounds: every read is checked against the readable bytes and the outer IP
// length; the quote may be cut anywhere. IPv4 quotes need the IP header and
// the first 8 bytes of the upper layer (RFC 792); IPv6 quotes may carry
// extension headers (hop-by-hop, routing, destination options, AH, a first
// fragment), walked up to kMaxIpv6ExtensionHeaders.
// Thread-safe, allocation-free, never throws.
#pragma once

#include <cstdint>

#include "conntrack/flow_key.h"
#include "packet/packet_meta.h"

namespace vfpath::ct {

// For a packet whose flow_key_of() status is kIcmpError: fills `out` with the
// key of the quoted connection (out.src_side is the quoted sender's side) and
// returns true. Returns false — "no key" — when the quote is cut before the
// ports, is of another family, is a non-first fragment of a ported protocol,
// or is itself an ICMP error (errors about errors are never sent). Such an
// error is dropped by the caller.
bool related_key(const uint8_t* frame, uint32_t readable, const PacketMeta& meta, uint16_t zone, KeyResult& out);

}  // namespace vfpath::ct
