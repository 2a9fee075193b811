#!/usr/bin/python3
"""Our traffic generator: writes the pcap of one benchmark profile, replayed
by net_pcap (`infinite_rx=1`) into vfpathd, Open vSwitch-DPDK and
dpdk-testpmd alike, so all three see the same frames. One packet per flow,
flows in order, so a replay visits every flow once per pass.

Profiles (all from vm1 to vm2's four addresses, bench/gen/topology.py):
  udp        established UDP flows (one direction)
  tcp        established TCP flows: ACK segments with payload, no handshake
             (a tracker must pick them up mid-stream)
  tcp-udp    even flows UDP, odd flows TCP
  syn-storm  a new connection per packet: distinct SYNs (new only on the
             first pass of a replay; pktgen ranges make an endless storm)
  ipv6-mix   even flows IPv4/UDP, odd flows IPv6/UDP
Sizes: 64 (60 bytes + FCS; IPv6 frames are 66, the least their headers
allow) or imix (7:4:1 of 64, 570 and 1518 bytes on the wire, by packet index).

usage: gen.py PROFILE OUT.pcap [--flows 10000] [--size 64|imix]"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import frames  # noqa: E402
import topology as topo  # noqa: E402

PROFILES = ("udp", "tcp", "tcp-udp", "syn-storm", "ipv6-mix")
SIZES = ("64", "imix")
_IMIX = [60] * 7 + [566] * 4 + [1514]  # lengths without the 4-byte FCS


def _length(size, index):
    return 60 if size == "64" else _IMIX[index % len(_IMIX)]


def packet(profile, f, size="64"):
    """Frame number f of a profile (= flow f: one packet per flow)."""
    vm2, sport, dport = topo.flow_tuple(f)
    v6 = profile == "ipv6-mix" and f % 2 == 1
    src = topo.VM1_V6 if v6 else topo.VM1_V4
    dst = (topo.VM2_V6 if v6 else topo.VM2_V4)[vm2]
    tcp = profile in ("tcp", "syn-storm") or (profile == "tcp-udp" and f % 2 == 1)
    proto = 6 if tcp else 17
    flags = frames.TCP_SYN if profile == "syn-storm" else frames.TCP_ACK
    seq = (f * 2654435761) & 0xFFFFFFFF  # spread initial sequence numbers
    return frames.frame(topo.VM1_MAC, topo.ROUTER_MAC, src, dst, proto, sport, dport,
                        _length(size, f), flags=flags, seq=seq)


def write_profile(path, profile, flows, size="64"):
    """Writes the profile's pcap; returns (packets, bytes)."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; one of {', '.join(PROFILES)}")
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; one of {', '.join(SIZES)}")
    with frames.PcapWriter(path) as w:
        for f in range(flows):
            w.write(packet(profile, f, size))
        return w.count, w.bytes


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("profile", choices=PROFILES)
    ap.add_argument("out")
    ap.add_argument("--flows", type=int, default=10000)
    ap.add_argument("--size", choices=SIZES, default="64")
    a = ap.parse_args()
    n, b = write_profile(a.out, a.profile, a.flows, a.size)
    print(f"gen: {a.out}: {n} frames, {a.flows} flows, profile {a.profile}, size {a.size}, {b} bytes")


if __name__ == "__main__":
    main()
