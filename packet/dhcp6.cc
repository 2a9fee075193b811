#include "packet/dhcp6.h"

#include <cstring>

namespace vfpath {
namespace {

constexpr uint16_t kOptClientId = 1, kOptServerId = 2, kOptIaNa = 3, kOptIaAddr = 5, kOptStatus = 13,
                   kOptRapidCommit = 14, kOptDns = 23, kOptDomainList = 24;

uint16_t be16_at(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

uint8_t* put16(uint8_t* at, uint16_t v) {
  at[0] = static_cast<uint8_t>(v >> 8);
  at[1] = static_cast<uint8_t>(v);
  return at + 2;
}
uint8_t* put32(uint8_t* at, uint32_t v) { return put16(put16(at, static_cast<uint16_t>(v >> 16)), static_cast<uint16_t>(v)); }
uint8_t* option(uint8_t* at, uint16_t code, uint16_t len) { return put16(put16(at, code), len); }

// The server's DUID: DUID-LL (type 3), Ethernet, the router's MAC.
constexpr uint16_t kDuidLen = 10;
uint8_t* put_duid(uint8_t* at, const MacAddr& mac) {
  at = put16(put16(at, 3), 1);
  std::memcpy(at, mac.bytes.data(), 6);
  return at + 6;
}

// `name` (dotted text, a trailing dot allowed) in DNS wire form (RFC 1035
// §3.1) at `at`; its length, 0 when a label is empty or over 63 bytes (the
// option is left out; the model refuses such a domain).
size_t put_dns_name(uint8_t* at, const char* name, uint8_t len) {
  size_t n = 0;
  for (uint8_t start = 0; start < len;) {
    uint8_t end = start;
    while (end < len && name[end] != '.') ++end;
    const uint8_t label = static_cast<uint8_t>(end - start);
    if (label == 0 || label > 63) return 0;
    at[n++] = label;
    std::memcpy(at + n, name + start, label);
    n += label;
    start = static_cast<uint8_t>(end + 1);
    if (end + 1 == len) break;  // a trailing dot: the root, written below
  }
  at[n++] = 0;
  return n;
}

}  // namespace

Dhcp6Parse parse_dhcp6_request(const uint8_t* data, size_t len, Dhcp6Request& out) {
  out = Dhcp6Request{};
  if (len < 4) return Dhcp6Parse::kTooShort;
  out.type = static_cast<Dhcp6Type>(data[0]);
  std::memcpy(out.xid, data + 1, 3);
  switch (out.type) {
    case Dhcp6Type::kSolicit: case Dhcp6Type::kRequest: case Dhcp6Type::kConfirm: case Dhcp6Type::kRenew:
    case Dhcp6Type::kRebind: case Dhcp6Type::kRelease: case Dhcp6Type::kDecline: case Dhcp6Type::kInformationRequest:
      break;
    default:
      return Dhcp6Parse::kNotClient;
  }
  for (size_t i = 4; i < len;) {
    if (i + 4 > len) return Dhcp6Parse::kBadOptions;
    const uint16_t code = be16_at(data + i), n = be16_at(data + i + 2);
    const uint8_t* v = data + i + 4;
    if (i + 4 + n > len) return Dhcp6Parse::kBadOptions;
    switch (code) {
      case kOptClientId:
        if (n < 2 || n > 130) return Dhcp6Parse::kBadOptions;
        out.client_id = v;
        out.client_id_len = n;
        break;
      case kOptServerId:
        out.has_server_id = true;
        out.server_id = v;
        out.server_id_len = n;
        break;
      case kOptIaNa:
        if (n < 12) return Dhcp6Parse::kBadOptions;
        out.has_ia_na = true;
        std::memcpy(out.iaid, v, 4);
        break;
      case kOptRapidCommit:
        out.rapid_commit = true;
        break;
      default:
        break;
    }
    i += 4 + n;
  }
  if (!out.client_id && out.type != Dhcp6Type::kInformationRequest) return Dhcp6Parse::kNoClientId;
  return Dhcp6Parse::kOk;
}

Dhcp6Type dhcp6_reply_type(const Dhcp6Request& r, const Dhcp6Lease& lease) {
  // §16: SOLICIT, CONFIRM, REBIND and INFORMATION-REQUEST name no server
  // (a SOLICIT that does is discarded); REQUEST, RENEW, RELEASE and DECLINE must.
  switch (r.type) {
    case Dhcp6Type::kSolicit:
      if (r.has_server_id) return Dhcp6Type::kNone;
      break;
    case Dhcp6Type::kRequest: case Dhcp6Type::kRenew: case Dhcp6Type::kRelease: case Dhcp6Type::kDecline:
      if (!r.has_server_id) return Dhcp6Type::kNone;
      break;
    default:
      break;
  }
  if (r.has_server_id) {  // addressed to a server: it must be us
    uint8_t ours[kDuidLen];
    put_duid(ours, lease.router_mac);
    if (r.server_id_len != kDuidLen || std::memcmp(r.server_id, ours, kDuidLen) != 0) return Dhcp6Type::kNone;
  }
  switch (r.type) {
    case Dhcp6Type::kSolicit: return r.rapid_commit ? Dhcp6Type::kReply : Dhcp6Type::kAdvertise;
    case Dhcp6Type::kRequest: case Dhcp6Type::kRenew: case Dhcp6Type::kRebind: case Dhcp6Type::kConfirm:
    case Dhcp6Type::kRelease: case Dhcp6Type::kDecline: case Dhcp6Type::kInformationRequest:
      return Dhcp6Type::kReply;
    default:
      return Dhcp6Type::kNone;
  }
}

size_t build_dhcp6_reply(uint8_t* out, size_t room, const Dhcp6Request& r, const Dhcp6Lease& lease, Dhcp6Type reply) {
  if (room < kMaxDhcp6Reply) return 0;
  uint8_t* at = out;
  *at++ = static_cast<uint8_t>(reply);
  std::memcpy(at, r.xid, 3);
  at += 3;
  at = put_duid(option(at, kOptServerId, kDuidLen), lease.router_mac);
  if (r.client_id) {
    at = option(at, kOptClientId, r.client_id_len);
    std::memcpy(at, r.client_id, r.client_id_len);
    at += r.client_id_len;
  }
  if (reply == Dhcp6Type::kReply && r.rapid_commit && r.type == Dhcp6Type::kSolicit) at = option(at, kOptRapidCommit, 0);
  const bool gives_address = r.has_ia_na && (r.type == Dhcp6Type::kSolicit || r.type == Dhcp6Type::kRequest ||
                                              r.type == Dhcp6Type::kRenew || r.type == Dhcp6Type::kRebind);
  if (gives_address) {
    // IA_NA: IAID, T1, T2, then one IA Address (the ENI's), lifetimes.
    at = option(at, kOptIaNa, 12 + 4 + 24);
    std::memcpy(at, r.iaid, 4);
    at = put32(put32(at + 4, lease.lifetime / 2), lease.lifetime / 8 * 7);
    at = option(at, kOptIaAddr, 24);
    std::memcpy(at, lease.address.bytes.data(), 16);
    at = put32(put32(at + 16, lease.lifetime), lease.lifetime);
  } else if (reply == Dhcp6Type::kReply) {
    at = put16(option(at, kOptStatus, 2), 0);  // Success (Confirm, Release, Decline, Information-request)
  }
  if (lease.dns_count && r.type != Dhcp6Type::kRelease && r.type != Dhcp6Type::kDecline) {
    at = option(at, kOptDns, static_cast<uint16_t>(16 * lease.dns_count));
    for (uint8_t k = 0; k < lease.dns_count; ++k, at += 16) std::memcpy(at, lease.dns[k].bytes.data(), 16);
  }
  if (lease.domain_len && r.type != Dhcp6Type::kRelease && r.type != Dhcp6Type::kDecline) {
    const size_t n = put_dns_name(at + 4, lease.domain, lease.domain_len);
    if (n) at = option(at, kOptDomainList, static_cast<uint16_t>(n)) + n;
  }
  return static_cast<size_t>(at - out);
}

}  // namespace vfpath
