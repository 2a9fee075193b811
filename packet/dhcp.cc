#include "packet/dhcp.h"

#include <algorithm>
#include <cstring>

namespace vfpath {
namespace {

constexpr uint8_t kOptPad = 0, kOptEnd = 255, kOptMask = 1, kOptRouter = 3, kOptDns = 6, kOptHostname = 12,
                  kOptDomain = 15, kOptMtu = 26, kOptRequested = 50, kOptLease = 51, kOptOverload = 52,
                  kOptType = 53, kOptServerId = 54, kOptT1 = 58, kOptT2 = 59;

uint32_t be32_at(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

// Writes option `code` with `len` bytes; false when out of room.
bool put(uint8_t*& at, const uint8_t* end, uint8_t code, const void* value, size_t len) {
  if (static_cast<size_t>(end - at) < 2 + len) return false;
  *at++ = code;
  *at++ = static_cast<uint8_t>(len);
  std::memcpy(at, value, len);
  at += len;
  return true;
}

bool put32(uint8_t*& at, const uint8_t* end, uint8_t code, uint32_t host) {
  const uint8_t v[4] = {static_cast<uint8_t>(host >> 24), static_cast<uint8_t>(host >> 16),
                        static_cast<uint8_t>(host >> 8), static_cast<uint8_t>(host)};
  return put(at, end, code, v, 4);
}

}  // namespace

DhcpParse parse_dhcp_request(const uint8_t* data, size_t len, DhcpRequest& out) {
  out = DhcpRequest{};
  if (len < sizeof(wire::BootpHeader) + 4) return DhcpParse::kTooShort;
  const auto* h = reinterpret_cast<const wire::BootpHeader*>(data);
  if (h->op != 1 || h->htype != 1 || h->hlen != 6) return DhcpParse::kNotRequest;
  if (be32_at(data + sizeof(wire::BootpHeader)) != wire::kDhcpMagic) return DhcpParse::kBadCookie;
  out.xid = h->xid.host();
  out.flags = h->flags.host();
  out.ciaddr = Ipv4Addr{h->ciaddr};
  std::memcpy(out.chaddr, h->chaddr, 6);
  bool ended = false;
  for (size_t i = sizeof(wire::BootpHeader) + 4; i < len;) {
    const uint8_t code = data[i];
    if (code == kOptPad) {
      ++i;
      continue;
    }
    if (code == kOptEnd) {
      ended = true;
      break;
    }
    if (i + 2 > len || i + 2 + data[i + 1] > len) return DhcpParse::kBadOptions;
    const uint8_t n = data[i + 1];
    const uint8_t* v = data + i + 2;
    switch (code) {
      case kOptType:
        if (n != 1) return DhcpParse::kBadOptions;
        out.type = static_cast<DhcpType>(v[0]);
        break;
      case kOptRequested:
        if (n != 4) return DhcpParse::kBadOptions;
        out.has_requested = true;
        out.requested = Ipv4Addr::from_host(be32_at(v));
        break;
      case kOptServerId:
        if (n != 4) return DhcpParse::kBadOptions;
        out.has_server_id = true;
        out.server_id = Ipv4Addr::from_host(be32_at(v));
        break;
      case kOptOverload:  // options in sname/file: not needed for requests, refused rather than misread
        return DhcpParse::kBadOptions;
      default:
        break;
    }
    i += 2 + n;
  }
  if (!ended) return DhcpParse::kBadOptions;
  switch (out.type) {
    case DhcpType::kDiscover: case DhcpType::kRequest: case DhcpType::kDecline:
    case DhcpType::kRelease: case DhcpType::kInform:
      return DhcpParse::kOk;
    default:
      return DhcpParse::kNoType;
  }
}

DhcpDecision decide_dhcp(const DhcpRequest& r, const DhcpLease& lease) {
  DhcpDecision d;
  const bool wants_broadcast = r.flags & 0x8000;
  switch (r.type) {
    case DhcpType::kDiscover:
      d.reply = DhcpType::kOffer;
      break;
    case DhcpType::kRequest: {
      // SELECTING (server id + requested), INIT-REBOOT (requested only),
      // RENEWING/REBINDING (ciaddr only).
      if (r.has_server_id && !(r.server_id == lease.router)) return d;  // the client chose another server
      const Ipv4Addr asked = r.has_requested ? r.requested : r.ciaddr;
      d.reply = asked == lease.address ? DhcpType::kAck : DhcpType::kNak;
      break;
    }
    case DhcpType::kInform:
      d.reply = DhcpType::kAck;  // parameters only; it keeps its address
      break;
    default:
      return d;  // RELEASE, DECLINE: nothing to send (the lease is static)
  }
  // §4.1: to a client with an address, unicast there; a NAK, or a client
  // that asked for it, by broadcast; else to the lease itself.
  if (d.reply == DhcpType::kNak || (wants_broadcast && r.ciaddr.value.raw() == 0)) {
    d.broadcast = true;
  } else if (r.ciaddr.value.raw() != 0) {
    d.to = r.ciaddr;
  } else {
    d.to = lease.address;
  }
  return d;
}

size_t build_dhcp_reply(uint8_t* out, size_t room, const DhcpRequest& r, const DhcpLease& lease, DhcpType reply) {
  if (room < 300) return 0;
  std::memset(out, 0, std::min<size_t>(room, 300));
  auto* h = reinterpret_cast<wire::BootpHeader*>(out);
  h->op = 2;
  h->htype = 1;
  h->hlen = 6;
  h->xid = be32::from_host(r.xid);
  h->flags = be16::from_host(r.flags & 0x8000);
  // RFC 2131 Table 3: ciaddr only in an ACK (to a client that has one).
  if (reply == DhcpType::kAck) h->ciaddr = r.ciaddr.value;
  if (reply == DhcpType::kOffer || (reply == DhcpType::kAck && r.type != DhcpType::kInform))
    h->yiaddr = lease.address.value;
  std::memcpy(h->chaddr, r.chaddr, 6);
  uint8_t* at = out + sizeof(wire::BootpHeader);
  const uint8_t* end = out + room;
  const uint32_t magic = wire::kDhcpMagic;
  at[0] = static_cast<uint8_t>(magic >> 24), at[1] = static_cast<uint8_t>(magic >> 16),
  at[2] = static_cast<uint8_t>(magic >> 8), at[3] = static_cast<uint8_t>(magic);
  at += 4;
  const uint8_t type = static_cast<uint8_t>(reply);
  bool ok = put(at, end, kOptType, &type, 1) && put32(at, end, kOptServerId, lease.router.host());
  if (ok && reply != DhcpType::kNak) {
    const uint32_t mask = lease.prefix_len ? ~uint32_t{0} << (32 - lease.prefix_len) : 0;
    ok = put32(at, end, kOptMask, mask) && put32(at, end, kOptRouter, lease.router.host());
    if (ok && r.type != DhcpType::kInform)
      ok = put32(at, end, kOptLease, lease.lease_seconds) && put32(at, end, kOptT1, lease.lease_seconds / 2) &&
           put32(at, end, kOptT2, lease.lease_seconds / 8 * 7);
    if (ok && lease.dns_count) {
      uint8_t dns[16];
      for (uint8_t k = 0; k < lease.dns_count && k < 4; ++k) std::memcpy(dns + 4 * k, &lease.dns[k].value, 4);
      ok = put(at, end, kOptDns, dns, 4u * std::min<uint8_t>(lease.dns_count, 4));
    }
    if (ok && lease.mtu) {
      const uint8_t mtu[2] = {static_cast<uint8_t>(lease.mtu >> 8), static_cast<uint8_t>(lease.mtu)};
      ok = put(at, end, kOptMtu, mtu, 2);
    }
    if (ok && lease.hostname_len) ok = put(at, end, kOptHostname, lease.hostname, lease.hostname_len);
    if (ok && lease.domain_len) ok = put(at, end, kOptDomain, lease.domain, lease.domain_len);
  }
  if (!ok || at >= end) return 0;
  *at++ = kOptEnd;
  const size_t n = static_cast<size_t>(at - out);
  return n < 300 ? 300 : n;  // BOOTP's minimum; the tail is zero (pad)
}

}  // namespace vfpath
