#!/usr/bin/python3
"""vfpathd on the same veths through net_af_xdp (with its XDP program)
and through net_af_packet, side by side: dpdk-testpmd in vm1's namespace
replays 64-byte UDP frames (1,000 flows, vm1 -> vm2's four addresses) into
vm1's veth; vfpathd (one core polling) routes them to vm2's veth; the rate
is what vfpathd sends towards vm2, over --seconds after a second's warm-up.
Alternating runs, medians. The generator and the veths' kernel work share
the other core, so this is a ratio, not a NIC figure. A benchmark, never a test.

usage: afxdp_vs_afpacket.py VFPATHD [--runs 3] [--seconds 4]"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "e2e"))
sys.path.insert(0, os.path.join(HERE, ".."))
from vfpath_harness import Daemon, telemetry  # noqa: E402
from namespaces_test import Topology, VMS, vpc_config  # noqa: E402
from forwarding_vs_testpmd import make_pcap  # noqa: E402


def config(topo, driver):
    c = vpc_config(topo, {"vm1": "sn-1", "vm2": "sn-2"},
                   lambda vm: {"security_groups": ["sg-open"],
                               **({"ipv4": ["10.0.2.10", "10.0.2.11", "10.0.2.12", "10.0.2.13"]} if vm == "vm2" else {})})
    for i, p in enumerate(c["ports"]):
        p["devargs"] = f"net_{driver}{i},iface={topo.ports[p['name']]}"
    c["security_groups"] = [{"id": "sg-open", "vpc": "vpc-demo",
                             "ingress": [{"protocol": "all", "cidrs": ["0.0.0.0/0"]}],
                             "egress": [{"protocol": "all", "cidrs": ["0.0.0.0/0"]}]}]
    return c


def run(vfpathd, driver, pcap, seconds, tag):
    with tempfile.TemporaryDirectory(prefix="vfpath-xdpbench-") as tmp, Topology(tag, VMS) as topo, \
            Daemon(vfpathd, config(topo, driver), tmp, tag, netns=topo.app,
                   options=("--main-core", "1", "--idle-sleep-max-us", "0", "--no-metadata")):
        gen = subprocess.Popen(["ip", "netns", "exec", topo.ns["vm1"], "dpdk-testpmd", "--lcores", "0@0,1@0",
                                "--no-huge", "-m", "512", "--no-pci", "--no-shconf", "--file-prefix", f"{tag}g",
                                "--vdev", f"net_pcap0,rx_pcap={pcap},infinite_rx=1", "--vdev", "net_af_packet1,iface=eth0",
                                "--", "--forward-mode=io", "--auto-start", "--total-num-mbufs=16384", "--nb-cores=1"],
                               stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(3)  # EAL start-up and warm-up
            t0, n0 = time.monotonic(), telemetry(tag, "/vfpath/ports")["vm2"]["tx_packets"]
            time.sleep(seconds)
            t1, n1 = time.monotonic(), telemetry(tag, "/vfpath/ports")["vm2"]["tx_packets"]
            return (n1 - n0) / (t1 - t0) / 1e6
        finally:
            gen.terminate()
            gen.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("vfpathd")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=4)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="vfpath-xdpbench-") as tmp:
        pcap = os.path.join(tmp, "flows.pcap")
        make_pcap(pcap, 1000)
        got = {"af_xdp": [], "af_packet": []}
        for r in range(a.runs):
            for driver in (("af_xdp", "af_packet") if r % 2 == 0 else ("af_packet", "af_xdp")):
                got[driver].append(run(os.path.abspath(a.vfpathd), driver, pcap, a.seconds, f"vxb{os.getpid() % 10000}{r}{driver[3]}"))
            print(f"run {r + 1}: af_xdp {got['af_xdp'][-1]:.3f} Mpps, af_packet {got['af_packet'][-1]:.3f} Mpps", flush=True)
        x, p = statistics.median(got["af_xdp"]), statistics.median(got["af_packet"])
        print("\n| 64 B, 1,000 flows, veths, one vfpathd core | median Mpps | runs |\n|---|---|---|")
        print(f"| net_af_xdp + vfpath's XDP program | {x:.3f} | {', '.join(f'{v:.3f}' for v in got['af_xdp'])} |")
        print(f"| net_af_packet | {p:.3f} | {', '.join(f'{v:.3f}' for v in got['af_packet'])} |")
        print(f"| ratio af_xdp / af_packet | {x / p:.2f} | |")


if __name__ == "__main__":
    main()
