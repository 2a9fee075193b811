#!/usr/bin/python3
"""Integration: security groups and connection tracking in vfpathd on
net_pcap ports. vm1's packets (port a) are read before vm2's (port b) in the
same loop, so vm2's replies meet the connections vm1's packets opened:
first packets, replies without rules, RELATED ICMP, fragments following
their first fragment, fragments ahead of it (held, then following it), and
vm1's allowance running out.
Outputs are compared packet by packet, drops by reason and per ENI.

usage: conntrack_pcap_test.py VFPATHD"""

import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
sys.path.insert(0, os.path.dirname(__file__))
from vfpath_harness import Daemon  # noqa: E402
from pcap_pipeline_test import ROUTER, VM1, VM2, routed  # noqa: E402

from scapy.all import ICMP, IP, TCP, UDP, Ether, Raw, rdpcap, wrpcap  # noqa: E402

ALLOWANCE = 4


def config(tmp):
    return {
        "generation": 1,
        "ports": [{"name": n, "role": "ENI", "devargs": f"net_pcap{i},rx_pcap={tmp}/{n}_in.pcap,tx_pcap={tmp}/{n}_out.pcap"}
                  for i, n in enumerate("ab")],
        "vpcs": [{"id": "vpc-1", "cidrs": ["10.0.0.0/16"]}],
        "subnets": [{"id": "sn-1", "vpc": "vpc-1", "ipv4_cidr": "10.0.1.0/24"},
                    {"id": "sn-2", "vpc": "vpc-1", "ipv4_cidr": "10.0.2.0/24"}],
        "security_groups": [
            {"id": "sg-client", "vpc": "vpc-1", "egress": [{"protocol": "all", "cidrs": ["0.0.0.0/0"]}]},
            {"id": "sg-web", "vpc": "vpc-1", "ingress": [
                {"protocol": "tcp", "port_range": {"from": 80, "to": 80}, "cidrs": ["10.0.1.0/24"]},
                {"protocol": "udp", "port_range": {"from": 6000, "to": 6000}, "cidrs": ["10.0.1.0/24"]}]}],
        "conntrack": {"capacity": 4096},
        "enis": [{"id": "vm1", "port": "a", "mac": VM1, "subnet": "sn-1", "ipv4": ["10.0.1.10"],
                  "security_groups": ["sg-client"], "conntrack": {"allowance": ALLOWANCE}},
                 {"id": "vm2", "port": "b", "mac": VM2, "subnet": "sn-2", "ipv4": ["10.0.2.10"],
                  "security_groups": ["sg-web"]}],
    }


def run(binary, options):
    print(f"--- vfpathd {' '.join(options) or '(main core polls)'}")
    with tempfile.TemporaryDirectory(prefix="vfpath-ct-") as tmp:
        e1, e2 = Ether(src=VM1, dst=ROUTER), Ether(src=VM2, dst=ROUTER)
        ip12, ip21 = IP(src="10.0.1.10", dst="10.0.2.10"), IP(src="10.0.2.10", dst="10.0.1.10")
        syn = e1 / ip12 / TCP(sport=40000, dport=80, flags="S", seq=100)
        udp = e1 / ip12 / UDP(sport=5000, dport=6000) / Raw(b"q" * 20)
        udp_denied = e1 / ip12 / UDP(sport=5000, dport=7000)
        # A UDP datagram in two fragments (first: 8 + 24 bytes of the 56).
        whole = bytes(UDP(sport=5001, dport=6000, len=56) / Raw(b"f" * 48))
        first = e1 / IP(src="10.0.1.10", dst="10.0.2.10", id=77, flags="MF", frag=0, proto=17) / Raw(whole[:32])
        second = e1 / IP(src="10.0.1.10", dst="10.0.2.10", id=77, frag=4, proto=17) / Raw(whole[32:])
        # Reordered: a datagram of the same flow in three fragments sent 3-2-1
        # (held, then all delivered), and one to a refused port sent 2-1 (the
        # held fragment is refused like its first).
        whole3 = bytes(UDP(sport=5001, dport=6000, len=72) / Raw(b"r" * 64))
        r1, r2, r3 = (e1 / IP(src="10.0.1.10", dst="10.0.2.10", id=78, flags=fl, frag=off // 8, proto=17) / Raw(whole3[off:end])
                      for fl, off, end in (("MF", 0, 32), ("MF", 32, 56), (0, 56, 72)))
        whole_denied = bytes(UDP(sport=5000, dport=7000, len=56) / Raw(b"d" * 48))
        d1, d2 = (e1 / IP(src="10.0.1.10", dst="10.0.2.10", id=79, flags=fl, frag=off // 8, proto=17) / Raw(whole_denied[off:end])
                  for fl, off, end in (("MF", 0, 32), (0, 32, 56)))
        syn2 = e1 / ip12 / TCP(sport=40001, dport=80, flags="S", seq=200)
        syn3 = e1 / ip12 / TCP(sport=40002, dport=80, flags="S", seq=300)   # over vm1's allowance
        a_in = [syn, udp, udp_denied, first, second, r3, r2, r1, d2, d1, syn2, syn3]

        synack = e2 / ip21 / TCP(sport=80, dport=40000, flags="SA", seq=900, ack=101)
        related = e2 / ip21 / ICMP(type=3, code=3) / bytes(udp[IP])[:28]
        unrelated = e2 / ip21 / ICMP(type=3, code=3) / bytes(IP(src="10.0.1.10", dst="10.0.2.10") / UDP(sport=9, dport=9))
        vm2_opens = e2 / ip21 / TCP(sport=5555, dport=80, flags="S")
        b_in = [synack, related, unrelated, vm2_opens]
        wrpcap(f"{tmp}/a_in.pcap", a_in)
        wrpcap(f"{tmp}/b_in.pcap", b_in)

        expect = {"a": [routed(synack, VM1), routed(related, VM1)],
                  "b": [routed(p, VM2) for p in (syn, udp, first, second, r3, r2, r1, syn2)]}
        expected_drops = {"sg_deny": 4, "conntrack_full": 1, "icmp_unrelated": 1}
        total_in = len(a_in) + len(b_in)

        failures = []
        with Daemon(os.path.abspath(binary), config(tmp), tmp, f"vfpath-ct-{os.getpid()}{len(options)}", options=options) as d:
            d.wait_for(lambda: d.query("/vfpath/stats")["rx_packets"] == total_in, f"{total_in} packets received")
            # The connection gauges are refreshed every few thousand loops.
            try:
                d.wait_for(lambda: d.query("/vfpath/enis")["vm1"].get("connections", 0) == ALLOWANCE, "gauge", timeout=5)
            except AssertionError:
                pass  # reported below with the other counters
            stats = d.query("/vfpath/stats")
            enis = d.query("/vfpath/enis")
            d.stop()
        for reason, n in expected_drops.items():
            if stats.get(reason) != n:
                failures.append(f"drop {reason}: {stats.get(reason)} != {n}")
        unexpected = {k: v for k, v in stats.items() if k not in expected_drops and k not in
                      ("generation", "rx_packets", "tx_packets", "workers", "dropped") and v}
        if unexpected:
            failures.append(f"unexpected drops: {unexpected}")
        vm1 = enis["vm1"]
        if (vm1.get("conntrack_allowance_exceeded") != 1 or vm1.get("conntrack_allowance_available") != 0 or
                vm1.get("connections") != ALLOWANCE or vm1.get("sg_deny") != 3):
            failures.append(f"vm1's conntrack counters wrong: {vm1}")
        if enis["vm2"].get("sg_deny") != 1 or enis["vm2"].get("icmp_unrelated") != 1:
            failures.append(f"vm2's drops wrong: {enis['vm2']}")
        for name, want in expect.items():
            path = f"{tmp}/{name}_out.pcap"
            got = sorted(bytes(p) for p in rdpcap(path)) if os.path.getsize(path) > 24 else []
            want_b = sorted(bytes(p) for p in want)
            if got != want_b:
                failures.append(f"port {name}: got {len(got)} packets, want {len(want_b)}")
                failures += [f"  unexpected: {Ether(g).summary()}" for g in got if g not in want_b]
                failures += [f"  missing:    {Ether(w).summary()}" for w in want_b if w not in got]
        if failures:
            print("FAIL\n" + "\n".join(failures))
            return 1
        print(f"ok: {total_in} packets in, outputs match, drops {expected_drops}, vm1 at its allowance of {ALLOWANCE}")
        return 0


def main():
    for options in ([], ["--main-core", "0", "--worker-cores", "1"]):
        if run(sys.argv[1], options) != 0:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
