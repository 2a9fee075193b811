#!/usr/bin/python3
"""bench-smoke: the generator's frames parse with scapy (an independent
implementation) with correct IP/UDP/TCP checksums, have the profile's
lengths and flags, and flows are distinct. Cases as a table.

usage: gen_test.py"""

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402
import topology as topo  # noqa: E402
from scapy.all import IP, TCP, UDP, Ether, IPv6, rdpcap  # noqa: E402


def checksums_ok(pkt):
    """Recompute every checksum scapy knows and compare with the frame's."""
    fresh = pkt.copy()
    for layer in (IP, UDP, TCP):
        if fresh.haslayer(layer):
            del fresh[layer].chksum
    fresh = Ether(bytes(fresh))
    return all(fresh[layer].chksum == pkt[layer].chksum for layer in (IP, UDP, TCP) if pkt.haslayer(layer))


# (profile, size, what the case proves, check(frame index, scapy packet) -> bool)
CASES = [
    ("udp", "64", "64-byte IPv4/UDP from vm1 to vm2",
     lambda i, p: len(p) == 60 and p[IP].src == topo.VM1_V4 and p[IP].dst in topo.VM2_V4 and p.haslayer(UDP)),
    ("tcp", "64", "established TCP: ACK set, no SYN",
     lambda i, p: len(p) == 60 and p[TCP].flags == "A"),
    ("tcp-udp", "64", "even flows UDP, odd flows TCP",
     lambda i, p: p.haslayer(UDP) if i % 2 == 0 else p.haslayer(TCP)),
    ("syn-storm", "64", "every packet a SYN",
     lambda i, p: p[TCP].flags == "S"),
    ("ipv6-mix", "64", "odd flows IPv6 with the smallest frame (62 bytes)",
     lambda i, p: (p.haslayer(IPv6) and len(p) == 62 and p[IPv6].dst in topo.VM2_V6) if i % 2 else p.haslayer(IP)),
    ("udp", "imix", "IMIX 7:4:1 of 60/566/1514 bytes",
     lambda i, p: len(p) == ([60] * 7 + [566] * 4 + [1514])[i % 12]),
]


def main():
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for profile, size, proves, check in CASES:
            path = os.path.join(tmp, "p.pcap")
            gen.write_profile(path, profile, 24, size)
            pkts = rdpcap(path)
            bad = [i for i, p in enumerate(pkts)
                   if not (p.dst == topo.ROUTER_MAC and p.src == topo.VM1_MAC and checksums_ok(p) and check(i, p))]
            ok = len(pkts) == 24 and not bad
            failures += not ok
            print(f"{'ok' if ok else 'FAIL'}: {profile} {size}: {proves}" + (f" (bad frames {bad})" if bad else ""))
        flows = {gen.packet("udp", f)[26:38] for f in range(100000)}  # addresses and ports
        distinct = len(flows) == 100000
        failures += not distinct
        print(f"{'ok' if distinct else 'FAIL'}: 100,000 flows have distinct 5-tuples")
    print(f"{len(CASES) + 1 - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
