#!/usr/bin/python3
"""End-to-end: per-ENI allowances keep a noisy neighbour to itself. Three VMs
in namespaces behind vfpathd (af_packet on veths):
  vm1  the flooder: `limits.pps` 2000 (both ways)
  vm2  a server (TCP sink on 5001, and the flood's target)
  vm3  its client, with no limit
vm3's bulk TCP transfer to vm2 and its rate of new connections are
measured without the flood and with hping3 flooding vm2 from vm1 (at
4x its allowance, paced: on this 2-core machine an unpaced hping3 takes
the CPU the victim's own kernel needs, which no appliance can give back),
interleaved, RUNS times each (medians). Checked: `pps_allowance_exceeded`
counts the flooder on eni-vm1 only, what left vm1 is within its allowance,
and vm3 keeps its transfer and its new connections — the ratios are
printed (figures: bench/README.md, with --runs 7 and --unpaced); as a test
they only have to stay above half, since a benchmark on a shared 2-core
VM is no pass/fail test.

--no-limit runs the same without vm1's allowance (the comparison in
bench/README.md; its checks on the allowance then fail, as they should).

usage: allowances_test.py VFPATHD VFPATHCTL [--runs N] [--unpaced] [--no-limit]   (root; cleans up after itself)"""

import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
sys.path.insert(0, os.path.dirname(__file__))
from vfpath_harness import Daemon, eni_of  # noqa: E402
from namespaces_test import Topology, vpc_config  # noqa: E402

VMS = {"vm1": ("02:00:00:00:01:0a", "10.0.1.10", "10.0.1.1", "fd00:10:0:1::10", "fd00:10:0:1::1"),
       "vm2": ("02:00:00:00:02:0a", "10.0.2.10", "10.0.2.1", "fd00:10:0:2::10", "fd00:10:0:2::1"),
       "vm3": ("02:00:00:00:03:0a", "10.0.1.30", "10.0.1.1", "fd00:10:0:1::30", "fd00:10:0:1::1")}
SUBNET = {"vm1": "sn-1", "vm2": "sn-2", "vm3": "sn-1"}
FLOODER_PPS = 2000
MIN_RATIO = 0.5  # the figure itself (>= 0.95 on a quiet machine) is in bench/README.md


def config(topo, limited=True):
    c = vpc_config(topo, SUBNET, lambda vm: {"security_groups": ["sg-open"],
                                             **({"limits": {"pps": FLOODER_PPS}} if vm == "vm1" and limited else {})})
    c["security_groups"] = [{"id": "sg-open", "vpc": "vpc-demo",
                             "ingress": [{"protocol": "all", "cidrs": ["0.0.0.0/0"]}],
                             "egress": [{"protocol": "all", "cidrs": ["0.0.0.0/0", "::/0"]}]}]
    c["conntrack"] = {"capacity": 65536}
    return c


SINK = """
import socket, sys, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5001)); s.listen(256)
def serve(c):
    while c.recv(1 << 16): pass
    c.close()
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
"""
# Seconds to send 16 MiB, and new connections per second over 2 s.
MEASURE = """
import socket, sys, time
ip = sys.argv[1]
c = socket.create_connection((ip, 5001), timeout=20)
buf = b"x" * 65536
t0 = time.time()
for _ in range(256): c.sendall(buf)
c.shutdown(socket.SHUT_WR); c.recv(1); c.close()
mbps = 16 * 8 / (time.time() - t0)
n, t0 = 0, time.time()
while time.time() - t0 < 2:
    socket.create_connection((ip, 5001), timeout=5).close(); n += 1
print(mbps, n / (time.time() - t0))
"""


def main():
    vfpathd, vfpathctl = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 3
    pacing = [] if "--unpaced" in sys.argv else ["-i", "u125"]  # 8,000 pps: 4x the allowance
    hping = ["hping3", "--udp", "--flood" if not pacing else "-q", *pacing, "-q", "-p", "9", "-d", "18", "10.0.2.10"]
    tag = f"vfa{os.getpid() % 100000}"
    checks = []

    def check(ok, what):
        checks.append((ok, what))
        print(("ok   " if ok else "FAIL ") + what, flush=True)

    procs = []
    with tempfile.TemporaryDirectory(prefix="vfpath-al-") as tmp, Topology(tag, VMS) as topo, \
            Daemon(vfpathd, config(topo, "--no-limit" not in sys.argv), tmp, tag, netns=topo.app) as d:
        def eni(vm):
            return eni_of(d.stats(vfpathctl), f"eni-{vm}")

        def measure():
            out = topo.run("vm3", "/usr/bin/python3", "-c", MEASURE, "10.0.2.10", timeout=60).stdout.split()
            return float(out[0]), float(out[1])

        try:
            procs.append(subprocess.Popen(["ip", "netns", "exec", topo.ns["vm2"], "/usr/bin/python3", "-c", SINK,
                                           "10.0.2.10"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            time.sleep(0.5)
            measure()  # warm up (ARP, caches)
            quiet, noisy = [], []
            flood_seconds = 0.0
            for _ in range(runs):
                quiet.append(measure())
                flood = subprocess.Popen(["ip", "netns", "exec", topo.ns["vm1"], *hping],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                procs.append(flood)
                time.sleep(0.5)
                t0 = time.time()
                noisy.append(measure())
                flood_seconds += time.time() - t0 + 0.5
                flood.terminate()
                flood.wait()
            q_mbps, q_cps = statistics.median(x[0] for x in quiet), statistics.median(x[1] for x in quiet)
            n_mbps, n_cps = statistics.median(x[0] for x in noisy), statistics.median(x[1] for x in noisy)
            print(f"without the flood: {q_mbps:.0f} Mbit/s, {q_cps:.0f} connections/s; with it: {n_mbps:.0f} Mbit/s, "
                  f"{n_cps:.0f} connections/s (runs: {quiet} / {noisy})")
            e1, e2, e3 = eni("vm1"), eni("vm2"), eni("vm3")
            exceeded = int(e1.get("drops", {}).get("pps_allowance_exceeded", 0))
            check(exceeded > FLOODER_PPS * flood_seconds,
                  f"the flood is cut at vm1's allowance: pps_allowance_exceeded {exceeded} on eni-vm1")
            check("pps_allowance_exceeded" not in e2.get("drops", {}) and "pps_allowance_exceeded" not in e3.get("drops", {}),
                  f"nothing of it is counted on vm2 or vm3: {e2.get('drops', {})}, {e3.get('drops', {})}")
            passed = int(e1.get("rx_packets", 0)) - sum(int(v) for v in e1.get("drops", {}).values())
            check(passed <= FLOODER_PPS * (flood_seconds + 3) + 1000,
                  f"what left vm1 is within its allowance: {passed} packets in {flood_seconds:.1f} s of flood "
                  f"(at most {FLOODER_PPS}/s)")
            check(n_mbps >= MIN_RATIO * q_mbps, f"vm3's transfer keeps {n_mbps / q_mbps:.0%} of its rate under the flood "
                                                f"(every transfer completed)")
            check(n_cps >= MIN_RATIO * q_cps, f"vm3's new connections keep {n_cps / q_cps:.0%} of their rate under the flood")
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                p.wait()
        print(d.stop())
    failed = [w for ok, w in checks if not ok]
    print(f"{len(checks) - len(failed)}/{len(checks)} checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
