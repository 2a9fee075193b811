#!/usr/bin/python3
"""End-to-end: Elastic IPs through the internet gateway, against real
kernels. An "internet" of two namespaces sits behind the gateway port: a
router (198.51.100.1 on the gateway's link, forwarding) and a host
(203.0.113.5) behind a 1280-byte-MTU link. vm1 has the Elastic IP
198.51.100.10: it pings the host, which sees only the public address
(tcpdump on the router); the host opens a TCP connection to vm1's public
address; a 1400-byte DF ping from vm1 gets the router's "fragmentation
needed" translated back to vm1, whose kernel then routes with MTU 1280
(path MTU discovery through the NAT). vm2, without an Elastic IP, cannot
reach the internet (no_route). After `vfpathctl apply --delta`
disassociates vm1's address, the address is dead: no ARP answer, no
ping.

usage: internet_test.py VFPATHD VFPATHCTL   (root; cleans up after itself)"""

import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
sys.path.insert(0, os.path.dirname(__file__))
from vfpath_harness import Daemon, eni_of, port_devargs  # noqa: E402
from namespaces_test import Topology, VMS, sh, vpc_config  # noqa: E402

NEXT_HOP_MAC = "02:00:00:00:ee:01"
PUBLIC = "198.51.100.10"
HOST = "203.0.113.5"

ECHO_SERVER = r"""
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(4)
print("listening", flush=True)
while True:
    c, a = s.accept(); c.sendall(("vm1 saw " + a[0]).encode()); c.close()
"""
ECHO_CLIENT = r"""
import socket, sys
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3); print(c.recv(64).decode())
"""


def eni_vm1(topo, with_public):
    mac, ip4, _, ip6, _ = VMS["vm1"]
    e = {"id": "eni-vm1", "port": "vm1", "mac": mac, "subnet": "sn-1", "ipv4": [ip4], "ipv6": [ip6],
         "security_groups": ["sg-web"]}
    if with_public:
        e["public_ipv4"] = [{"public_ip": PUBLIC}]
    return e


def config(topo, igw_port):
    c = vpc_config(topo, {"vm1": "sn-1", "vm2": "sn-2"}, lambda vm: {"security_groups": ["sg-web"]})
    c["enis"][0] = eni_vm1(topo, True)
    c["ports"].append({"name": "inet", "role": "UPLINK", "devargs": port_devargs(2, igw_port)})
    c["internet_gateway"] = {"port": "inet", "next_hop_mac": NEXT_HOP_MAC}
    c["security_groups"] = [{"id": "sg-web", "vpc": "vpc-demo",
                             "ingress": [{"protocol": "tcp", "port_range": {"from": 8080, "to": 8080}, "cidrs": ["0.0.0.0/0"]},
                                         {"protocol": "icmp", "icmp": {"type": -1, "code": -1}, "cidrs": ["0.0.0.0/0"]}],
                             "egress": [{"protocol": "all", "cidrs": ["0.0.0.0/0"]}]}]
    return c


def main():
    vfpathd, vfpathctl = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    tag = f"vfi{os.getpid() % 100000}"
    router, host, igw_port = f"{tag}-rt", f"{tag}-host", f"{tag}g"
    checks, procs = [], []

    def check(ok, what):
        checks.append((ok, what))
        print(("ok   " if ok else "FAIL ") + what, flush=True)

    with tempfile.TemporaryDirectory(prefix="vfpath-inet-") as tmp, Topology(tag, VMS) as topo:
        try:
            # The internet: router and host namespaces.
            sh("ip", "netns", "add", router)
            sh("ip", "netns", "add", host)
            r, h, a = (["ip", "netns", "exec", n] for n in (router, host, topo.app))
            sh("ip", "link", "add", igw_port, "netns", topo.app, "type", "veth", "peer", "name", "eth0", "netns", router)
            sh(*a, "sysctl", "-q", "-w", f"net.ipv6.conf.{igw_port}.disable_ipv6=1")
            sh(*a, "ip", "link", "set", igw_port, "up")
            sh(*a, "ethtool", "-K", igw_port, "tx", "off", "gro", "off", "gso", "off", "tso", "off", check=False)
            sh(*r, "ip", "link", "set", "lo", "up")
            sh(*r, "ip", "link", "set", "eth0", "address", NEXT_HOP_MAC)
            sh(*r, "ip", "addr", "add", "198.51.100.1/24", "dev", "eth0")
            sh(*r, "ip", "link", "set", "eth0", "up")
            sh(*r, "ethtool", "-K", "eth0", "tx", "off", check=False)
            sh(*r, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
            sh("ip", "link", "add", "toh", "netns", router, "type", "veth", "peer", "name", "eth0", "netns", host)
            sh(*r, "ip", "addr", "add", "203.0.113.1/24", "dev", "toh")
            sh(*r, "ip", "link", "set", "toh", "mtu", "1280", "up")
            sh(*h, "ip", "link", "set", "lo", "up")
            sh(*h, "ip", "addr", "add", f"{HOST}/24", "dev", "eth0")
            sh(*h, "ip", "link", "set", "eth0", "mtu", "1280", "up")
            sh(*h, "ip", "route", "add", "default", "via", "203.0.113.1")
            with Daemon(vfpathd, config(topo, igw_port), tmp, tag, netns=topo.app) as d:
                ctl = [vfpathctl, "--socket", d.control_socket]
                capture = open(os.path.join(tmp, "router.txt"), "w")
                dump = subprocess.Popen([*r, "tcpdump", "-i", "eth0", "-n", "-l", "ip"],
                                        stdout=capture, stderr=subprocess.DEVNULL)
                procs.append(dump)
                time.sleep(1)
                ok = topo.run("vm1", "ping", "-c", "3", "-i", "0.2", "-W", "2", HOST, check=False).returncode == 0
                check(ok, f"vm1 (Elastic IP {PUBLIC}) pings the internet host {HOST}")
                server = subprocess.Popen(["ip", "netns", "exec", topo.ns["vm1"], "/usr/bin/python3", "-c", ECHO_SERVER,
                                           "8080"], stdout=subprocess.PIPE, text=True)
                procs.append(server)
                server.stdout.readline()
                got = subprocess.run([*h, "/usr/bin/python3", "-c", ECHO_CLIENT, PUBLIC, "8080"], capture_output=True,
                                     text=True, timeout=30).stdout.strip()
                check(got == f"vm1 saw {HOST}", f"the host connects to vm1's public address ({got!r})")
                time.sleep(0.5)
                dump.terminate()
                dump.wait()
                capture.close()
                seen = open(os.path.join(tmp, "router.txt")).read()
                check(seen.count(PUBLIC) >= 6 and "10.0.1.10" not in seen,
                      f"the internet sees only the public address ({seen.count(PUBLIC)} lines with it, "
                      f"{seen.count('10.0.1.10')} with the private one)")

                big = topo.run("vm1", "ping", "-M", "do", "-s", "1400", "-c", "3", "-i", "0.3", "-W", "1", HOST, check=False)
                route = topo.run("vm1", "ip", "route", "get", HOST, check=False).stdout
                check("mtu 1280" in route,
                      f"path MTU discovery works through the NAT: vm1 learns MTU 1280 ({route.strip()[:120]}; "
                      f"{(big.stdout + big.stderr).strip().splitlines()[-1] if (big.stdout + big.stderr).strip() else ''})")
                ok = topo.run("vm1", "ping", "-c", "2", "-i", "0.2", "-W", "2", "-s", "1200", HOST, check=False).returncode == 0
                check(ok, "and then pings fit")

                # Metering: vm1's traffic by class (the basis of a data-transfer bill).
                topo.run("vm1", "ping", "-c", "2", "-i", "0.2", "-W", "1", "10.0.2.10", check=False)
                vm1 = eni_of(d.stats(vfpathctl), "eni-vm1")
                traffic = {k: {f: int(v.get(f, 0)) for f in ("out_packets", "in_packets", "out_bytes", "in_bytes")}
                           for k, v in vm1.get("traffic", {}).items()}
                inet, local = traffic.get("internet", {}), traffic.get("local", {})
                check(inet.get("out_packets", 0) >= 10 and inet.get("in_packets", 0) >= 10 and local.get("out_packets", 0) >= 2
                      and inet.get("out_bytes", 0) > 1000,
                      f"vm1's traffic is metered by class: internet {inet}, local {local}")
                before = d.query("/vfpath/enis,eni-vm2")["eni_vm2"].get("no_route", 0)
                ok = topo.run("vm2", "ping", "-c", "2", "-i", "0.2", "-W", "1", HOST, check=False).returncode == 0
                after = d.query("/vfpath/enis,eni-vm2")["eni_vm2"].get("no_route", 0)
                check(not ok and after - before >= 2, f"vm2, without an Elastic IP, has no route to the internet "
                                                      f"(no_route {before} -> {after})")

                delta = os.path.join(tmp, "disassociate.json")
                with open(delta, "w") as f:
                    json.dump({"generation": 2, "upsert_enis": [eni_vm1(topo, False)]}, f)
                res = subprocess.run([*ctl, "apply", "--delta", delta], capture_output=True, text=True, timeout=30)
                check(res.returncode == 0, f"vfpathctl apply --delta disassociates it: {res.stdout.strip()}{res.stderr.strip()}")
                sh(*r, "ip", "neigh", "flush", "dev", "eth0")
                ok = subprocess.run([*h, "ping", "-c", "2", "-i", "0.3", "-W", "1", PUBLIC], capture_output=True).returncode == 0
                neigh = subprocess.run([*r, "ip", "neigh", "show", PUBLIC], capture_output=True, text=True).stdout
                check(not ok and "lladdr" not in neigh,
                      f"the disassociated address is dead: no ping, no ARP answer ({neigh.strip() or 'no entry'})")
                print(d.stop())
        finally:
            for p in procs:
                if p.poll() is None:
                    p.terminate()
                    p.wait()
            for n in (router, host):
                subprocess.run(["ip", "netns", "del", n], capture_output=True)
    failed = [w for ok, w in checks if not ok]
    print(f"{len(checks) - len(failed)}/{len(checks)} checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
