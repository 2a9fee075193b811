"""Ethernet frames for the benchmark profiles, built with struct (scapy is
too slow for a million frames; tests/bench_smoke checks these against
scapy's parser), and a minimal pcap writer. Frame lengths exclude the FCS:
a "64-byte" frame is 60 bytes in the pcap, as on the wire before the FCS.

Contract: every frame is a valid Ethernet/IPv4 or IPv6 packet with correct
IP, UDP and TCP checksums, at least 60 bytes long (padded with zeros)."""

import ipaddress
import struct

TCP_SYN, TCP_ACK = 0x02, 0x10
_PROTO_TCP, _PROTO_UDP = 6, 17


def _mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def _csum(data):
    """RFC 1071 ones' complement sum, folded and complemented."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def _l4(proto, sport, dport, payload, flags, seq):
    if proto == _PROTO_UDP:
        return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    # 20-byte TCP header, no options; ack number set when ACK is.
    ack = seq ^ 0x5A5A5A5A if flags & TCP_ACK else 0
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload


def _fill_l4_checksum(proto, l4, pseudo):
    at = 6 if proto == _PROTO_UDP else 16
    c = _csum(pseudo + l4)
    if proto == _PROTO_UDP and c == 0:
        c = 0xFFFF  # 0 means "no checksum" in UDP over IPv4
    return l4[:at] + struct.pack("!H", c) + l4[at + 2:]


def frame(src_mac, dst_mac, src_ip, dst_ip, proto, sport, dport, length, flags=TCP_ACK, seq=1):
    """One frame of `length` bytes (without FCS; raised to the smallest the
    headers allow: 60 for IPv4, 62 for IPv6/UDP, 74 for IPv6/TCP)."""
    src, dst = ipaddress.ip_address(src_ip), ipaddress.ip_address(dst_ip)
    v6 = src.version == 6
    l4_hdr = 8 if proto == _PROTO_UDP else 20
    ip_hdr = 40 if v6 else 20
    payload = b"\0" * max(0, length - 14 - ip_hdr - l4_hdr)
    l4 = _l4(proto, sport, dport, payload, flags, seq)
    if v6:
        pseudo = src.packed + dst.packed + struct.pack("!IxxxB", len(l4), proto)
        l4 = _fill_l4_checksum(proto, l4, pseudo)
        ip = struct.pack("!IHBB", 6 << 28, len(l4), proto, 64) + src.packed + dst.packed
        ethertype = 0x86DD
    else:
        pseudo = src.packed + dst.packed + struct.pack("!xBH", proto, len(l4))
        l4 = _fill_l4_checksum(proto, l4, pseudo)
        hdr = struct.pack("!BBHHHBBH", 0x45, 0, 20 + len(l4), 0, 0, 64, proto, 0) + src.packed + dst.packed
        ip = hdr[:10] + struct.pack("!H", _csum(hdr)) + hdr[12:]
        ethertype = 0x0800
    f = _mac(dst_mac) + _mac(src_mac) + struct.pack("!H", ethertype) + ip + l4
    return f + b"\0" * (60 - len(f)) if len(f) < 60 else f


class PcapWriter:
    """Classic pcap (microsecond timestamps, Ethernet link type); one
    timestamp per microsecond of packet index, which replay ignores."""

    def __init__(self, path):
        self._f = open(path, "wb")
        self._f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        self._n = 0
        self.bytes = 0

    def write(self, frame_bytes):
        self._f.write(struct.pack("<IIII", self._n // 1000000, self._n % 1000000, len(frame_bytes), len(frame_bytes)))
        self._f.write(frame_bytes)
        self._n += 1
        self.bytes += len(frame_bytes)

    @property
    def count(self):
        return self._n

    def close(self):
        self._f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
