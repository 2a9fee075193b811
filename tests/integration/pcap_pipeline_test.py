#!/usr/bin/python3
"""Integration: vfpathd on net_pcap ports (--no-huge), one input pcap per ENI,
each output pcap compared packet by packet with the packets scapy says the
VPC router must produce, and the drop counters checked by reason.

usage: pcap_pipeline_test.py VFPATHD"""

import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from vfpath_harness import Daemon  # noqa: E402

from scapy.all import ARP, ICMP, IP, TCP, UDP, Ether, IPv6, ICMPv6EchoRequest, ICMPv6ND_NS, \
    ICMPv6ND_NA, ICMPv6NDOptSrcLLAddr, ICMPv6NDOptDstLLAddr, Raw, rdpcap, wrpcap  # noqa: E402

ROUTER = "02:76:66:70:00:01"
VM1, VM2, VM3 = "02:00:00:00:01:0a", "02:00:00:00:02:0a", "02:00:00:00:03:0a"


def config(tmp):
    ports = []
    for i, name in enumerate(["a", "b", "c"]):
        ports.append({"name": name, "role": "ENI", "devargs":
                      f"net_pcap{i},rx_pcap={tmp}/{name}_in.pcap,tx_pcap={tmp}/{name}_out.pcap"})
    return {
        "generation": 1, "ports": ports,
        "vpcs": [{"id": "vpc-1", "cidrs": ["10.0.0.0/16", "fd00:10::/56"]},
                 {"id": "vpc-2", "cidrs": ["10.0.0.0/16"]}],
        "subnets": [
            {"id": "sn-1", "vpc": "vpc-1", "ipv4_cidr": "10.0.1.0/24", "ipv6_cidr": "fd00:10:0:1::/64"},
            {"id": "sn-2", "vpc": "vpc-1", "ipv4_cidr": "10.0.2.0/24", "ipv6_cidr": "fd00:10:0:2::/64"},
            {"id": "sn-3", "vpc": "vpc-2", "ipv4_cidr": "10.0.1.0/24"}],
        "enis": [
            {"id": "vm1", "port": "a", "mac": VM1, "subnet": "sn-1", "ipv4": ["10.0.1.10"], "ipv6": ["fd00:10:0:1::10"]},
            {"id": "vm2", "port": "b", "mac": VM2, "subnet": "sn-2", "ipv4": ["10.0.2.10"], "ipv6": ["fd00:10:0:2::10"]},
            # Another VPC reusing vm1's address: it must never see vm1's traffic.
            {"id": "vm3", "port": "c", "mac": VM3, "subnet": "sn-3", "ipv4": ["10.0.1.20"]}],
    }


def routed(pkt, dst_mac):
    """What the router makes of a packet it forwards: MACs rewritten, TTL - 1."""
    out = pkt.copy()
    out[Ether].src, out[Ether].dst = ROUTER, dst_mac
    if IP in out:
        out[IP].ttl -= 1
        del out[IP].chksum
    else:
        out[IPv6].hlim -= 1
    return Ether(bytes(out))


def main():
    binary = sys.argv[1]
    # The main core polling, then one worker core launched by EAL (the
    # production layout): the same packets, the same outputs.
    for options in ([], ["--main-core", "0", "--worker-cores", "1"]):
        if run(binary, options) != 0:
            return 1
    return 0


def run(binary, options):
    print(f"--- vfpathd {' '.join(options) or '(main core polls)'}")
    with tempfile.TemporaryDirectory(prefix="vfpath-it-") as tmp:
        e1 = Ether(src=VM1, dst=ROUTER)
        tcp12 = e1 / IP(src="10.0.1.10", dst="10.0.2.10") / TCP(sport=40000, dport=80, flags="S")
        udp12 = e1 / IP(src="10.0.1.10", dst="10.0.2.10") / UDP(sport=5000, dport=6000) / Raw(b"x" * 100)
        v6_12 = e1 / IPv6(src="fd00:10:0:1::10", dst="fd00:10:0:2::10") / ICMPv6EchoRequest(id=7, seq=1)
        ttl1 = e1 / IP(src="10.0.1.10", dst="10.0.2.10", ttl=1) / UDP(sport=1, dport=2)
        ping_gw = e1 / IP(src="10.0.1.10", dst="10.0.1.1") / ICMP(id=9, seq=3) / Raw(b"ping")
        ns_gw = e1 / IPv6(src="fd00:10:0:1::10", dst="ff02::1:ff00:1", hlim=255) / \
            ICMPv6ND_NS(tgt="fd00:10:0:1::1") / ICMPv6NDOptSrcLLAddr(lladdr=VM1)
        a_in = [
            Ether(src=VM1, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=VM1, psrc="10.0.1.10", pdst="10.0.1.1"),
            tcp12, udp12, v6_12, ttl1, ping_gw, ns_gw,
            e1 / IP(src="10.0.1.99", dst="10.0.2.10") / UDP(sport=1, dport=2),                   # spoofed_src_ip
            Ether(src="02:00:00:00:99:99", dst=ROUTER) / IP(src="10.0.1.10", dst="10.0.2.10") / UDP(),  # spoofed_src_mac
            Ether(src=VM1, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=VM1, psrc="10.0.1.10", pdst="10.0.1.10"),  # gratuitous
            e1 / IP(src="10.0.1.10", dst="10.0.9.9") / TCP(dport=443),                              # no_route
            Ether(bytes(e1 / IP(src="10.0.1.10", dst="10.0.2.10") / TCP())[:30]),                   # malformed
        ]
        b_in = [Ether(src=VM2, dst=ROUTER) / IP(src="10.0.2.10", dst="10.0.1.10") / TCP(sport=80, dport=40000, flags="SA")]
        c_in = [Ether(src=VM3, dst=ROUTER) / IP(src="10.0.1.20", dst="10.0.1.10") / ICMP(),        # same subnet, other VPC: no ENI
                Ether(src=VM3, dst=ROUTER) / IP(src="10.0.1.20", dst="10.0.2.10") / ICMP()]        # vm2's address, other VPC
        for name, pkts in (("a", a_in), ("b", b_in), ("c", c_in)):
            wrpcap(f"{tmp}/{name}_in.pcap", pkts)

        expect = {
            "a": [Ether(dst=VM1, src=ROUTER) / ARP(op=2, hwsrc=ROUTER, psrc="10.0.1.1", hwdst=VM1, pdst="10.0.1.10"),
                  routed(b_in[0], VM1),
                  Ether(dst=VM1, src=ROUTER) / IP(src="10.0.1.1", dst="10.0.1.10", ttl=64, id=0) /
                  ICMP(type=11, code=0) / Raw(bytes(ttl1[IP])),
                  Ether(dst=VM1, src=ROUTER) / IP(src="10.0.1.1", dst="10.0.1.10", ttl=64, id=ping_gw[IP].id) /
                  ICMP(type=0, id=9, seq=3) / Raw(b"ping"),
                  Ether(dst=VM1, src=ROUTER) / IPv6(src="fd00:10:0:1::1", dst="fd00:10:0:1::10", hlim=255) /
                  ICMPv6ND_NA(tgt="fd00:10:0:1::1", R=1, S=1, O=1) / ICMPv6NDOptDstLLAddr(lladdr=ROUTER)],
            "b": [routed(tcp12, VM2), routed(udp12, VM2), routed(v6_12, VM2)],
            "c": [],
        }
        expected_drops = {"spoofed_src_ip": 1, "spoofed_src_mac": 1, "arp_gratuitous": 1, "no_route": 3,
                          "malformed": 1, "ttl_exceeded": 1}
        total_in = len(a_in) + len(b_in) + len(c_in)

        failures = []
        with Daemon(binary, config(tmp), tmp, f"vfpath-it-{os.getpid()}{len(options)}", options=options) as d:
            d.wait_for(lambda: d.query("/vfpath/stats")["rx_packets"] == total_in, f"{total_in} packets received")
            stats = d.query("/vfpath/stats")
            enis = d.query("/vfpath/enis")
            report = d.stop()
        print(report)
        for reason, n in expected_drops.items():
            if stats[reason] != n:
                failures.append(f"drop {reason}: {stats[reason]} != {n}")
        unexpected = {k: v for k, v in stats.items() if k not in expected_drops and k not in
                      ("generation", "rx_packets", "tx_packets", "workers", "dropped") and v}
        if unexpected:
            failures.append(f"unexpected drops: {unexpected}")
        if enis["vm1"].get("spoofed_src_ip") != 1 or enis["vm3"].get("no_route") != 2:
            failures.append(f"per-ENI drops wrong: {enis}")
        for name, want in expect.items():
            got = sorted(bytes(p) for p in rdpcap(f"{tmp}/{name}_out.pcap")) if os.path.getsize(f"{tmp}/{name}_out.pcap") > 24 else []
            want_b = sorted(bytes(p) for p in want)
            if got != want_b:
                failures.append(f"port {name}: got {len(got)} packets, want {len(want_b)}")
                for g in got:
                    if g not in want_b:
                        failures.append(f"  unexpected: {Ether(g).summary()} {g.hex()}")
                for w in want_b:
                    if w not in got:
                        failures.append(f"  missing:    {Ether(w).summary()} {w.hex()}")
        if failures:
            print("FAIL\n" + "\n".join(failures))
            return 1
        print(f"ok: {total_in} packets in, outputs match packet by packet, drops {expected_drops}")
        return 0


if __name__ == "__main__":
    sys.exit(main())
