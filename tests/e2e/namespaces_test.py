#!/usr/bin/python3
"""End-to-end: two VMs in network namespaces, each on a veth pair whose other
end is a net_af_packet port of vfpathd (itself in a third namespace). Real
Linux ping (IPv4, IPv6, the gateway) and a TCP transfer go through the
appliance; spoofed source IP and MAC are dropped and counted.

usage: namespaces_test.py VFPATHD   (root; cleans up namespaces and processes)"""

import hashlib
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from vfpath_harness import Daemon, port_devargs, skip_without_af_xdp  # noqa: E402

ROUTER = "02:76:66:70:00:01"
VMS = {"vm1": ("02:00:00:00:01:0a", "10.0.1.10", "10.0.1.1", "fd00:10:0:1::10", "fd00:10:0:1::1"),
       "vm2": ("02:00:00:00:02:0a", "10.0.2.10", "10.0.2.1", "fd00:10:0:2::10", "fd00:10:0:2::1")}


def sh(*cmd, check=True, timeout=30):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} -> {r.returncode}\n{r.stdout}{r.stderr}")
    return r


class Topology:
    """Namespaces <tag>-vm1, <tag>-vm2 and <tag>-app; deleted on exit."""

    def __init__(self, tag, vms=None):
        self.tag = tag
        self.vms = vms or VMS
        self.app = f"{tag}-app"
        self.ns = {vm: f"{tag}-{vm}" for vm in self.vms}
        self.ports = {vm: f"{tag}{vm[-1]}" for vm in self.vms}  # appliance-side veth names

    def __enter__(self):
        try:
            sh("ip", "netns", "add", self.app)
            sh("ip", "netns", "exec", self.app, "ip", "link", "set", "lo", "up")
            for vm, (mac, ip4, gw4, ip6, gw6) in self.vms.items():
                ns, port = self.ns[vm], self.ports[vm]
                sh("ip", "netns", "add", ns)
                sh("ip", "link", "add", port, "netns", self.app, "type", "veth", "peer", "name", "eth0", "netns", ns)
                x = ["ip", "netns", "exec", ns]
                sh(*x, "ip", "link", "set", "lo", "up")
                sh(*x, "ip", "link", "set", "eth0", "address", mac)
                sh(*x, "ip", "addr", "add", f"{ip4}/24", "dev", "eth0")
                sh(*x, "ip", "-6", "addr", "add", f"{ip6}/64", "dev", "eth0", "nodad")
                sh(*x, "ip", "link", "set", "eth0", "up")
                sh(*x, "ip", "route", "add", "default", "via", gw4)
                sh(*x, "ip", "-6", "route", "add", "default", "via", gw6)
                # veth leaves TCP/UDP checksums to "hardware"; frames that cross
                # a userspace switch must carry complete ones.
                sh(*x, "ethtool", "-K", "eth0", "tx", "off")
                a = ["ip", "netns", "exec", self.app]
                # The appliance's own kernel must stay silent on its ports (no
                # MLD/RS from the veth's MAC): af_packet sees outgoing frames too.
                sh(*a, "sysctl", "-q", "-w", f"net.ipv6.conf.{port}.disable_ipv6=1")
                sh(*a, "ip", "link", "set", port, "up")
                sh(*a, "ethtool", "-K", port, "tx", "off", "gro", "off", "gso", "off", "tso", "off", check=False)
        except Exception:
            self.__exit__()
            raise
        return self

    def run(self, vm, *cmd, check=True, timeout=30):
        return sh("ip", "netns", "exec", self.ns[vm], *cmd, check=check, timeout=timeout)

    def __exit__(self, *exc):
        for ns in [*self.ns.values(), self.app]:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        return False


def vpc_config(topo, subnet_of, eni_extra=lambda vm: {}):
    """The demo VPC (10.0.0.0/16, fd00:10::/56; subnets sn-1, sn-2) with an
    af_packet port and an ENI per VM of `topo`: `subnet_of[vm]` its subnet,
    `eni_extra(vm)` more fields for its ENI (groups, limits, ids)."""
    return {
        "generation": 1,
        "ports": [{"name": vm, "role": "ENI", "devargs": port_devargs(i, topo.ports[vm])}
                  for i, vm in enumerate(topo.vms)],
        "vpcs": [{"id": "vpc-demo", "cidrs": ["10.0.0.0/16", "fd00:10::/56"]}],
        "subnets": [{"id": "sn-1", "vpc": "vpc-demo", "ipv4_cidr": "10.0.1.0/24", "ipv6_cidr": "fd00:10:0:1::/64"},
                    {"id": "sn-2", "vpc": "vpc-demo", "ipv4_cidr": "10.0.2.0/24", "ipv6_cidr": "fd00:10:0:2::/64"}],
        "enis": [{"id": f"eni-{vm}", "port": vm, "mac": mac, "subnet": subnet_of[vm], "ipv4": [ip4], "ipv6": [ip6],
                  **eni_extra(vm)} for vm, (mac, ip4, _, ip6, _) in topo.vms.items()],
    }


def config(topo, nacls=None):
    """The two-VM VPC; with `nacls`, subnet sn-2 (vm2) uses network ACL acl-2."""
    c = vpc_config(topo, {vm: f"sn-{vm[-1]}" for vm in topo.vms})
    if nacls:
        c["network_acls"] = [{"id": "acl-2", "vpc": "vpc-demo", **nacls}]
        c["subnets"][1]["network_acl"] = "acl-2"
    return c


def nacl_entry(number, action, cidr, protocol, ports=None, icmp_type=None):
    e = {"rule_number": number, "action": action, "cidr": cidr, "protocol": protocol}
    if ports:
        e["port_range"] = {"from": ports[0], "to": ports[1]}
    if icmp_type is not None:
        e["icmp"] = {"type": icmp_type, "code": -1}
    return e


# vm2's subnet: TCP 5001 and echo requests in from sn-1; out: replies to
# sn-1's ephemeral ports and echo replies. The second variant forgets the
# ephemeral ports: NACLs are stateless, so the replies are cut.
NACL_WEB = {"ingress": [nacl_entry(100, "ALLOW", "10.0.1.0/24", "tcp", (5001, 5001)),
                        nacl_entry(110, "ALLOW", "10.0.1.0/24", "icmp", icmp_type=8)],
            "egress": [nacl_entry(100, "ALLOW", "10.0.1.0/24", "tcp", (1024, 65535)),
                       nacl_entry(110, "ALLOW", "10.0.1.0/24", "icmp", icmp_type=0)]}
NACL_FORGETS_EPHEMERAL = {"ingress": NACL_WEB["ingress"], "egress": NACL_WEB["egress"][1:]}


# A sink on ADDRESS:5001 (argv[1]) that answers "<bytes> <sha256>" (also
# used by the overlay e2e).
TCP_SERVER = """
import hashlib, socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5001)); s.listen(1); s.settimeout(30)
c, _ = s.accept(); h = hashlib.sha256(); n = 0
while True:
    b = c.recv(65536)
    if not b: break
    h.update(b); n += len(b)
c.sendall(f"{n} {h.hexdigest()}".encode()); c.close()
"""
TCP_CLIENT = """
import socket, sys
data = bytes(range(256)) * 8192   # 2 MiB
c = socket.create_connection(("10.0.2.10", 5001), timeout=30)
c.sendall(data); c.shutdown(socket.SHUT_WR)
print(c.recv(200).decode())
"""


def tcp_transfer(topo, timeout=60):
    server = subprocess.Popen(["ip", "netns", "exec", topo.ns["vm2"], "/usr/bin/python3", "-c", TCP_SERVER, "10.0.2.10"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)
        r = topo.run("vm1", "/usr/bin/python3", "-c", TCP_CLIENT, check=False, timeout=timeout)
        return r.stdout.strip()
    finally:
        server.kill()
        server.wait()


def nacl_scenarios(binary, topo, tmp, check):
    """vfpathd restarted with network ACLs on vm2's subnet."""
    want = f"{256 * 8192} {hashlib.sha256(bytes(range(256)) * 8192).hexdigest()}"
    with Daemon(binary, config(topo, NACL_WEB), tmp, topo.tag + "n1", netns=topo.app) as d:
        check(tcp_transfer(topo) == want, "NACL allows TCP 5001 in and the ephemeral replies out")
        r = topo.run("vm1", "ping", "-c", "2", "-i", "0.2", "-W", "2", "10.0.2.10", check=False)
        check(r.returncode == 0, "NACL allows echo request in and echo reply out")
        r = topo.run("vm1", "ping", "-6", "-c", "1", "-W", "1", "fd00:10:0:2::10", check=False)
        check(r.returncode != 0, "NACL has no IPv6 entries: IPv6 is denied")
        hits = d.query("/vfpath/nacls")["acl_2"]
        check(hits["ingress_ipv4_100"] > 0 and hits["egress_ipv4_100"] > 0 and hits["ingress_ipv6_implicit_deny"] > 0,
              f"per-entry hit counters move ({hits['ingress_ipv4_100']} in, {hits['egress_ipv4_100']} out)")
    with Daemon(binary, config(topo, NACL_FORGETS_EPHEMERAL), tmp, topo.tag + "n2", netns=topo.app) as d:
        r = topo.run("vm1", "/usr/bin/python3", "-c",
                     "import socket\ntry:\n socket.create_connection(('10.0.2.10', 5001), timeout=3); print('connected')\n"
                     "except OSError as e: print('refused', e)", check=False, timeout=20)
        drops = d.query("/vfpath/enis,eni-vm2")["eni_vm2"].get("nacl_deny", 0)
        check(r.stdout.startswith("refused") and drops > 0,
              f"without the ephemeral egress rule the SYN-ACK is dropped (nacl_deny {drops}): {r.stdout.strip()[:40]}")


def main():
    skip_without_af_xdp()
    binary = os.path.abspath(sys.argv[1])
    tag = f"vfe{os.getpid() % 100000}"
    checks = []

    def check(ok, what):
        checks.append((ok, what))
        print(("ok   " if ok else "FAIL ") + what, flush=True)

    with tempfile.TemporaryDirectory(prefix="vfpath-e2e-") as tmp, Topology(tag) as topo, \
            Daemon(binary, config(topo), tmp, tag, netns=topo.app) as d:
        r = topo.run("vm1", "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.0.2.10", check=False)
        check(r.returncode == 0, "IPv4 ping vm1 -> vm2 through the appliance")
        r = topo.run("vm1", "ping", "-c", "2", "-i", "0.2", "-W", "2", "10.0.1.1", check=False)
        check(r.returncode == 0, "ping of the gateway is answered")
        r = topo.run("vm1", "ping", "-6", "-c", "3", "-i", "0.2", "-W", "2", "fd00:10:0:2::10", check=False)
        check(r.returncode == 0, "IPv6 ping vm1 -> vm2 (ND for the gateway answered)")
        r = topo.run("vm1", "ping", "-c", "1", "-t", "1", "-W", "2", "10.0.2.10", check=False)
        check("Time to live exceeded" in r.stdout, "TTL 1: time exceeded from the gateway")

        got = tcp_transfer(topo)
        want = f"{256 * 8192} {hashlib.sha256(bytes(range(256)) * 8192).hexdigest()}"
        check(got == want, f"TCP transfer of 2 MiB arrives intact ({got[:30]}...)")

        before = d.query("/vfpath/enis,eni-vm1")["eni_vm1"]
        topo.run("vm1", "ip", "addr", "add", "10.0.1.99/32", "dev", "eth0")
        r = topo.run("vm1", "ping", "-I", "10.0.1.99", "-c", "3", "-i", "0.2", "-W", "1", "10.0.2.10", check=False)
        check(r.returncode != 0, "ping from a foreign source IP gets no answer")
        topo.run("vm1", "/usr/bin/python3", "-c",
                 "from scapy.all import *; sendp(Ether(src='02:00:00:00:99:99', dst='%s')/IP(src='10.0.1.10', "
                 "dst='10.0.2.10')/ICMP(), iface='eth0', count=4, verbose=0)" % ROUTER)
        d.wait_for(lambda: d.query("/vfpath/enis,eni-vm1")["eni_vm1"].get("spoofed_src_mac", 0)
                   >= before.get("spoofed_src_mac", 0) + 4, "spoofed_src_mac counter", timeout=5)
        after = d.query("/vfpath/enis,eni-vm1")["eni_vm1"]
        check(after.get("spoofed_src_ip", 0) - before.get("spoofed_src_ip", 0) >= 3,
              f"spoofed_src_ip counted for eni-vm1 ({after.get('spoofed_src_ip', 0)})")
        check(after.get("spoofed_src_mac", 0) - before.get("spoofed_src_mac", 0) == 4,
              f"spoofed_src_mac counted for eni-vm1 ({after.get('spoofed_src_mac', 0)})")
        report = d.stop()
        check("drops by reason:" in report and "eni-vm1" in report, "counters printed at exit")
        print(report)
        nacl_scenarios(binary, topo, tmp, check)

    failed = [w for ok, w in checks if not ok]
    print(f"{len(checks) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
