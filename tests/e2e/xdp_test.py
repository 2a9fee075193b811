#!/usr/bin/python3
"""End-to-end: vfpathd on net_af_xdp ports with its own XDP program (native
XDP on veths). vm1's port passes what is not the appliance's to the host:
a TCP connection from a second MAC on vm1's link (a macvlan, "the host's
management") to the host's address on that veth reaches the host's own
stack, while vm1's traffic goes through the appliance. `vfpathctl block`
drops vm2's source in XDP — the xdp_blocked counter moves, DPDK's rx for
vm2 does not — and `unblock` lets it through again. vm2's SYN allowance
(20/s) cuts an hping3 SYN flood in XDP (xdp_syn_flood); a real connection
opens afterwards.

With --bench S: also the early-drop rate — vm2 floods a blocked source for
S seconds, packets dropped per second by XDP against the same flood
dropped by the pipeline (spoofed_src_ip) — for bench/README.md. A
benchmark, never a pass/fail test.

usage: xdp_test.py VFPATHD VFPATHCTL [--bench S]   (root; cleans up after itself)"""

import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
sys.path.insert(0, os.path.dirname(__file__))
from vfpath_harness import Daemon, eni_of, skip_without_af_xdp  # noqa: E402
from namespaces_test import Topology, vpc_config  # noqa: E402

SYN_PPS = 20


def config(topo):
    c = vpc_config(topo, {"vm1": "sn-1", "vm2": "sn-2"},
                   lambda vm: {"security_groups": ["sg-open"],
                               **({"limits": {"syn_pps": SYN_PPS}} if vm == "vm2" else {})})
    for i, p in enumerate(c["ports"]):
        p["devargs"] = f"net_af_xdp{i},iface={topo.ports[p['name']]}"
    c["ports"][0]["xdp_host_pass"] = True
    c["security_groups"] = [{"id": "sg-open", "vpc": "vpc-demo",
                             "ingress": [{"protocol": "all", "cidrs": ["0.0.0.0/0", "::/0"]}],
                             "egress": [{"protocol": "all", "cidrs": ["0.0.0.0/0", "::/0"]}]}]
    return c


ECHO_SERVER = r"""
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(4)
print("listening", flush=True)
while True:
    c, _ = s.accept(); c.sendall(b"host:" + c.recv(64)); c.close()
"""
ECHO_CLIENT = r"""
import socket, sys
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3); c.sendall(b"hello"); print(c.recv(64).decode())
"""


def main():
    skip_without_af_xdp(always=True)
    vfpathd, vfpathctl = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    bench_s = int(sys.argv[sys.argv.index("--bench") + 1]) if "--bench" in sys.argv else 0
    tag = f"vfx{os.getpid() % 100000}"
    checks, procs = [], []

    def check(ok, what):
        checks.append((ok, what))
        print(("ok   " if ok else "FAIL ") + what, flush=True)

    with tempfile.TemporaryDirectory(prefix="vfpath-xdp-") as tmp, Topology(tag) as topo, \
            Daemon(vfpathd, config(topo), tmp, tag, netns=topo.app) as d:
        ctl = [vfpathctl, "--socket", d.control_socket]

        def stats():
            return d.stats(vfpathctl)

        def eni(s, vm):
            return eni_of(s, f"eni-{vm}")

        def ping(src, dst, count=3):
            return topo.run(src, "ping", "-c", str(count), "-i", "0.2", "-W", "1", dst, check=False).returncode == 0

        try:
            check("XDP on" in d.read_log() and "native" in d.read_log(), "the ports run vfpath's XDP program natively")
            check(ping("vm1", "10.0.2.10"), "vm1 reaches vm2 through the appliance")

            # The host's own traffic on vm1's link: another MAC, the host's address on the veth.
            host_port = topo.ports["vm1"]
            app = ["ip", "netns", "exec", topo.app]
            subprocess.run([*app, "ip", "addr", "add", "10.99.0.1/24", "dev", host_port], check=True)
            topo.run("vm1", "ip", "link", "add", "mgmt", "link", "eth0", "type", "macvlan", "mode", "bridge")
            topo.run("vm1", "ip", "link", "set", "mgmt", "address", "02:00:00:00:77:01")
            topo.run("vm1", "ip", "addr", "add", "10.99.0.2/24", "dev", "mgmt")
            topo.run("vm1", "ip", "link", "set", "mgmt", "up")
            server = subprocess.Popen([*app, "/usr/bin/python3", "-c", ECHO_SERVER, "10.99.0.1", "2222"],
                                      stdout=subprocess.PIPE, text=True)
            procs.append(server)
            server.stdout.readline()
            r = topo.run("vm1", "/usr/bin/python3", "-c", ECHO_CLIENT, "10.99.0.1", "2222", check=False)
            check(r.stdout.strip() == "host:hello", f"a TCP connection to the host's address reaches the host's stack "
                                                    f"({r.stdout.strip() or r.stderr.strip()[-120:]})")
            t = d.query("/vfpath/stats")
            check(t.get("xdp_host", 0) > 0, f"passed to the host by XDP (xdp_host {t.get('xdp_host', 0)})")
            check(ping("vm1", "10.0.2.10"), "while vm1's own traffic still goes through the appliance")

            # Blocked in XDP: vm2's source.
            r = subprocess.run([*ctl, "block", "10.0.2.10/32"], capture_output=True, text=True, timeout=30)
            check(r.returncode == 0, f"vfpathctl block 10.0.2.10/32: {r.stdout.strip()}{r.stderr.strip()}")
            rx_before = int(eni(stats(), "vm2").get("rx_packets", 0))
            blocked_ok = not ping("vm2", "10.0.1.10", 5)
            s = stats()
            rx_after = int(eni(s, "vm2").get("rx_packets", 0))
            xdp_blocked = int(eni(s, "vm2").get("drops", {}).get("xdp_blocked", 0))
            # (ARP and ND are not IPv4 from the blocked source: they may still pass.)
            check(blocked_ok and xdp_blocked >= 5 and rx_after - rx_before < 5,
                  f"vm2's pings are dropped in XDP: xdp_blocked {xdp_blocked} on eni-vm2, its DPDK rx {rx_before} -> "
                  f"{rx_after}")
            r = subprocess.run([*ctl, "unblock", "10.0.2.10/32"], capture_output=True, text=True, timeout=30)
            check(r.returncode == 0 and ping("vm2", "10.0.1.10"), "and after vfpathctl unblock they pass again")

            # vm2's SYN allowance: a SYN flood is cut in XDP.
            rx_before = int(eni(stats(), "vm2").get("rx_packets", 0))
            t0 = time.time()
            subprocess.run(["ip", "netns", "exec", topo.ns["vm2"], "timeout", "2", "hping3", "-S", "-p", "5000",
                            "--flood", "10.0.1.10"], capture_output=True)
            flood_s = time.time() - t0
            s = stats()
            syn_dropped = int(eni(s, "vm2").get("drops", {}).get("xdp_syn_flood", 0))
            admitted = int(eni(s, "vm2").get("rx_packets", 0)) - rx_before
            check(syn_dropped > 1000 and admitted <= SYN_PPS * (flood_s + 1) + SYN_PPS + 50,
                  f"an hping3 SYN flood from vm2 is cut at {SYN_PPS}/s in XDP: {syn_dropped} xdp_syn_flood, "
                  f"{admitted} frames reached the appliance in {flood_s:.1f} s")
            time.sleep(1.2)  # the bucket refills
            listener = subprocess.Popen(["ip", "netns", "exec", topo.ns["vm1"], "/usr/bin/python3", "-c", ECHO_SERVER,
                                         "10.0.1.10", "5001"], stdout=subprocess.PIPE, text=True)
            procs.append(listener)
            listener.stdout.readline()
            r = topo.run("vm2", "/usr/bin/python3", "-c", ECHO_CLIENT, "10.0.1.10", "5001", check=False)
            check(r.stdout.strip() == "host:hello", f"and a real connection from vm2 opens afterwards ({r.stdout.strip()})")
            if bench_s:
                bench(topo, ctl, stats, eni, bench_s)
        finally:
            for p in procs:
                p.terminate()
                p.wait()
        print(d.stop())
    failed = [w for ok, w in checks if not ok]
    print(f"{len(checks) - len(failed)}/{len(checks)} checks passed")
    return 1 if failed else 0


def bench(topo, ctl, stats, eni, seconds):
    """Packets per second dropped early by XDP (a blocked source) against the
    same flood dropped by the pipeline (a source that is not the ENI's:
    spoofed_src_ip), the flooder being hping3 in vm2 (one core)."""
    def flood(src):
        before = eni(stats(), "vm2").get("drops", {})
        subprocess.run(["ip", "netns", "exec", topo.ns["vm2"], "timeout", str(seconds), "hping3", "-2", "-a", src,
                        "-p", "9", "--flood", "10.0.1.10"], capture_output=True)
        after = eni(stats(), "vm2").get("drops", {})
        return {k: (int(after.get(k, 0)) - int(before.get(k, 0))) / seconds for k in ("xdp_blocked", "spoofed_src_ip")}
    subprocess.run([*ctl, "block", "10.0.2.99/32"], capture_output=True, timeout=30)
    xdp = flood("10.0.2.99")
    subprocess.run([*ctl, "unblock", "10.0.2.99/32"], capture_output=True, timeout=30)
    dpdk = flood("10.0.2.98")
    print(f"bench: early drop in XDP {xdp['xdp_blocked']:.0f} pps; the same flood dropped by the pipeline "
          f"{dpdk['spoofed_src_ip']:.0f} pps (spoofed_src_ip)", flush=True)


if __name__ == "__main__":
    sys.exit(main())
