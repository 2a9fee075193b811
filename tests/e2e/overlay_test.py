#!/usr/bin/python3
"""End-to-end: the VPC overlay against Linux's own VXLAN.

VM1 (namespace <tag>-vm1) sits behind vfpathd (namespace <tag>-app) on a
net_af_packet ENI port. The appliance's uplink port is a veth into
<tag>-h2, a "remote host" whose VM2 is a Linux kernel VXLAN device
(vxlan0, VNI 100, UDP 4789) holding 10.0.2.10 and fd00:10:0:2::10: an
independent implementation checks our encapsulation both ways.

Proved here: ping (IPv4, IPv6), TCP and UDP both ways; NACLs enforced on
overlay traffic in both directions; packets injected on the underlay with a
spoofed inner source, another VPC's VNI or an unknown VNI are dropped and
counted; a 1500-byte DF ping from VM1 gets "fragmentation needed" with MTU
1450; a TCP transfer with large writes from VM1 completes although VM2
advertises MSS 1460 (PMTU discovery through our ICMP: mtu_exceeded counted).

The appliance is configured with underlay MTU 1500, so it never sends an
outer packet over 1500 bytes. The veth underlay itself is 1600 so that VM2
(vxlan0 MTU 1500, outer 1550) can send full-size frames back without Linux
fragmenting the outer packet, which vfpath refuses (RFC 7348 §4.3).

With WORKERS > 1, vfpathd runs that many workers on one core and each port
has that many af_packet queue pairs: the kernel spreads frames by its own
hash, so decapsulated packets reach workers that do not own their
connection and are handed over (before the outer headers go).

With --geneve the remote host runs a Linux Geneve device instead (UDP 6081);
with --ipv6-underlay the underlay is IPv6 (VXLAN/Geneve over IPv6, inner MTU
1430, the remote host resolving our underlay address by neighbour
discovery).

usage: overlay_test.py VFPATHD [WORKERS] [--geneve] [--ipv6-underlay]
       (root; cleans up namespaces and processes)"""

import hashlib
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from vfpath_harness import Daemon, port_devargs, skip_without_af_xdp  # noqa: E402
sys.path.insert(0, os.path.dirname(__file__))
from namespaces_test import TCP_SERVER  # noqa: E402

ROUTER = "02:76:66:70:00:01"
VM1_MAC, VM2_MAC = "02:00:00:00:01:0a", "02:00:00:00:02:0a"
APP_UNDERLAY_MAC, H2_MAC = "02:00:00:00:aa:01", "02:00:00:00:aa:02"
UNDERLAY = {4: ("192.168.100.1", "192.168.100.2", "192.168.100.3", 24),
            6: ("fd00:ff::1", "fd00:ff::2", "fd00:ff::3", 64)}


class Params:
    """What varies between the runs of this test."""

    def __init__(self, argv):
        self.workers = int(argv[0]) if argv and argv[0].isdigit() else 1
        self.geneve = "--geneve" in argv
        self.family = 6 if "--ipv6-underlay" in argv else 4
        self.app_ip, self.h2_ip, self.other_host, self.plen = UNDERLAY[self.family]
        self.inner_mtu = 1500 - (70 if self.family == 6 else 50)


P = Params(sys.argv[2:])
APP_IP, H2_IP, OTHER_HOST = P.app_ip, P.h2_ip, P.other_host


def sh(*cmd, check=True, timeout=30):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} -> {r.returncode}\n{r.stdout}{r.stderr}")
    return r


class KernelLacks(Exception):
    """The kernel has no device of this type: the test is skipped (meson: exit 77)."""


class Topology:
    """Namespaces <tag>-vm1, <tag>-h2, <tag>-app; deleted on exit."""

    def __init__(self, tag):
        self.tag = tag
        self.ns = {"app": f"{tag}-app", "vm1": f"{tag}-vm1", "h2": f"{tag}-h2"}
        self.eni_port, self.uplink_port = f"{tag}e", f"{tag}u"

    def x(self, where, *cmd, check=True, timeout=30):
        return sh("ip", "netns", "exec", self.ns[where], *cmd, check=check, timeout=timeout)

    def __enter__(self):
        try:
            for ns in self.ns.values():
                sh("ip", "netns", "add", ns)
                sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
            app = self.ns["app"]
            sh("ip", "link", "add", self.eni_port, "netns", app, "type", "veth", "peer", "name", "eth0", "netns", self.ns["vm1"])
            sh("ip", "link", "add", self.uplink_port, "netns", app, "type", "veth", "peer", "name", "eth0", "netns", self.ns["h2"])
            for port in (self.eni_port, self.uplink_port):
                # The appliance's own kernel stays silent on its ports.
                self.x("app", "sysctl", "-q", "-w", f"net.ipv6.conf.{port}.disable_ipv6=1")
                self.x("app", "ethtool", "-K", port, "tx", "off", "gro", "off", "gso", "off", "tso", "off", check=False)
            self.x("app", "ip", "link", "set", self.uplink_port, "address", APP_UNDERLAY_MAC, "mtu", "1600")
            for port in (self.eni_port, self.uplink_port):
                self.x("app", "ip", "link", "set", port, "up")

            v = lambda *c, **k: self.x("vm1", *c, **k)  # noqa: E731
            v("ip", "link", "set", "eth0", "address", VM1_MAC)
            v("ip", "addr", "add", "10.0.1.10/24", "dev", "eth0")
            v("ip", "-6", "addr", "add", "fd00:10:0:1::10/64", "dev", "eth0", "nodad")
            v("ip", "link", "set", "eth0", "up")
            v("ip", "route", "add", "default", "via", "10.0.1.1")
            v("ip", "-6", "route", "add", "default", "via", "fd00:10:0:1::1")
            v("ethtool", "-K", "eth0", "tx", "off")  # complete checksums across a userspace switch

            h = lambda *c, **k: self.x("h2", *c, **k)  # noqa: E731
            h("ip", "link", "set", "eth0", "address", H2_MAC, "mtu", "1600")
            h("ip", "addr", "add", f"{H2_IP}/{P.plen}", "dev", "eth0", *(["nodad"] if P.family == 6 else []))
            h("ip", "link", "set", "eth0", "up")
            if P.geneve:  # a Geneve device under the same name: the rest is the same
                r = h("ip", "link", "add", "vxlan0", "type", "geneve", "id", "100", "remote", APP_IP, check=False)
                if "Unknown device type" in r.stderr:
                    raise KernelLacks("Geneve")
                if r.returncode != 0:
                    raise RuntimeError(f"ip link add type geneve -> {r.returncode}: {r.stderr}")
            else:
                h("ip", "link", "add", "vxlan0", "type", "vxlan", "id", "100", "local", H2_IP, "remote", APP_IP,
                  "dstport", "4789")
            h("ip", "link", "set", "vxlan0", "address", VM2_MAC, "mtu", "1500")
            h("ip", "addr", "add", "10.0.2.10/24", "dev", "vxlan0")
            h("ip", "-6", "addr", "add", "fd00:10:0:2::10/64", "dev", "vxlan0", "nodad")
            h("ip", "link", "set", "vxlan0", "up")
            h("ip", "route", "add", "default", "via", "10.0.2.1")
            h("ip", "-6", "route", "add", "default", "via", "fd00:10:0:2::1")
            # The VPC router's MAC for VM2's gateway (ARP/ND would be answered
            # by VM2's own host's router, which this Linux host does not run).
            h("ip", "neigh", "replace", "10.0.2.1", "lladdr", ROUTER, "dev", "vxlan0", "nud", "permanent")
            h("ip", "-6", "neigh", "replace", "fd00:10:0:2::1", "lladdr", ROUTER, "dev", "vxlan0", "nud", "permanent")
            for dev in ("eth0", "vxlan0"):
                h("ethtool", "-K", dev, "tx", "off", "tso", "off", "gso", "off", "gro", "off", check=False)
        except Exception:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        for ns in self.ns.values():
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        return False


def config(topo, nacl=None, workers=1):
    c = {
        "generation": 1,
        "ports": [{"name": "vm1", "role": "ENI", "devargs": port_devargs(0, topo.eni_port, workers)},
                  {"name": "uplink", "role": "UPLINK", "devargs": port_devargs(1, topo.uplink_port, workers)}],
        "vpcs": [{"id": "vpc-demo", "cidrs": ["10.0.0.0/16", "fd00:10::/56"], "vni": 100},
                 {"id": "vpc-other", "cidrs": ["10.0.0.0/16"], "vni": 200}],
        "subnets": [{"id": "sn-1", "vpc": "vpc-demo", "ipv4_cidr": "10.0.1.0/24", "ipv6_cidr": "fd00:10:0:1::/64"},
                    {"id": "sn-2", "vpc": "vpc-demo", "ipv4_cidr": "10.0.2.0/24", "ipv6_cidr": "fd00:10:0:2::/64"}],
        "enis": [{"id": "eni-vm1", "port": "vm1", "mac": VM1_MAC, "subnet": "sn-1",
                  "ipv4": ["10.0.1.10"], "ipv6": ["fd00:10:0:1::10"]}],
        "underlay": {"port": "uplink", ("ipv6" if P.family == 6 else "ipv4"): APP_IP, "mac": APP_UNDERLAY_MAC,
                     "next_hop_mac": H2_MAC, "mtu": 1500, "encapsulation": "GENEVE" if P.geneve else "VXLAN"},
        "mappings": [{"vpc": "vpc-demo", "ip": "10.0.2.10", "underlay_ip": H2_IP, "mac": VM2_MAC},
                     {"vpc": "vpc-demo", "ip": "fd00:10:0:2::10", "underlay_ip": H2_IP, "mac": VM2_MAC},
                     {"vpc": "vpc-demo", "ip": "10.0.2.99", "underlay_ip": OTHER_HOST, "mac": "02:00:00:00:02:63"}],
    }
    if nacl:
        c["network_acls"] = [{"id": "acl-1", "vpc": "vpc-demo", **nacl}]
        c["subnets"][0]["network_acl"] = "acl-1"
    return c


PAYLOAD = "bytes(range(256)) * 8192"  # 2 MiB
CLIENT = """
import socket, sys
data = %s
c = socket.create_connection((sys.argv[1], 5001), timeout=20)
for i in range(0, len(data), 65536): c.sendall(data[i:i + 65536])   # large writes
c.shutdown(socket.SHUT_WR)
print(c.recv(200).decode())
""" % PAYLOAD
UDP_ECHO = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((sys.argv[1], 5353)); s.settimeout(20)
d, a = s.recvfrom(2000); s.sendto(d[::-1], a)
"""
UDP_ASK = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
for _ in range(5):
    s.sendto(b"overlay-udp", (sys.argv[1], 5353))
    try:
        print(s.recvfrom(2000)[0].decode()); break
    except socket.timeout:
        pass
"""


def serve(topo, where, script, addr):
    return subprocess.Popen(["ip", "netns", "exec", topo.ns[where], "/usr/bin/python3", "-c", script, addr],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stop(proc):
    if proc.poll() is None:
        proc.kill()  # our own child, by its PID
    proc.wait()


def tcp_transfer(topo, server_side, client_side, server_addr):
    server = serve(topo, server_side, TCP_SERVER, server_addr)
    try:
        time.sleep(0.4)
        return topo.x(client_side, "/usr/bin/python3", "-c", CLIENT, server_addr, check=False, timeout=40).stdout.strip()
    finally:
        stop(server)


def udp_exchange(topo, server_side, client_side, server_addr):
    server = serve(topo, server_side, UDP_ECHO, server_addr)
    try:
        time.sleep(0.3)
        return topo.x(client_side, "/usr/bin/python3", "-c", UDP_ASK, server_addr, check=False, timeout=20).stdout.strip()
    finally:
        stop(server)


INJECT = """
from scapy.all import Ether, IP, IPv6, UDP, ICMP, sendp
from scapy.layers.vxlan import VXLAN
from scapy.contrib.geneve import GENEVE
def frame(vni, inner_src):
    outer = IPv6(src="%s", dst="%s") if %d == 6 else IP(src="%s", dst="%s")
    tunnel = UDP(sport=40000, dport=6081) / GENEVE(vni=vni, proto=0x6558) if %s else \\
             UDP(sport=40000, dport=4789) / VXLAN(vni=vni, flags=0x08)
    return (Ether(src="%s", dst="%s") / outer / tunnel /
            Ether(src="%s", dst="%s") / IP(src=inner_src, dst="10.0.1.10") / ICMP())
sendp([frame(100, "10.0.2.99")] * 3 + [frame(200, "10.0.2.10")] * 3 + [frame(300, "10.0.2.10")] * 3,
      iface="eth0", verbose=0)
""" % (H2_IP, APP_IP, P.family, H2_IP, APP_IP, P.geneve, H2_MAC, APP_UNDERLAY_MAC, VM2_MAC, ROUTER)


def nacl_entry(number, action, cidr, protocol, icmp_type=None, ports=None):
    e = {"rule_number": number, "action": action, "cidr": cidr, "protocol": protocol}
    if icmp_type is not None:
        e["icmp"] = {"type": icmp_type, "code": -1}
    if ports:
        e["port_range"] = {"from": ports[0], "to": ports[1]}
    return e


# vm1's subnet may send echo requests to sn-2 and receive the replies; nothing else.
NACL_PING_OUT_ONLY = {"egress": [nacl_entry(100, "ALLOW", "10.0.2.0/24", "icmp", icmp_type=8)],
                      "ingress": [nacl_entry(100, "ALLOW", "10.0.2.0/24", "icmp", icmp_type=0)]}


def main():
    skip_without_af_xdp()
    binary = os.path.abspath(sys.argv[1])
    workers = P.workers
    options = ["--main-core", "0", "--worker-cores", ",".join(["1"] * workers)] if workers > 1 else []
    tag = f"vfo{os.getpid() % 100000}"
    checks = []
    want = f"{256 * 8192} {hashlib.sha256(bytes(range(256)) * 8192).hexdigest()}"

    def check(ok, what):
        checks.append((ok, what))
        print(("ok   " if ok else "FAIL ") + what, flush=True)

    with tempfile.TemporaryDirectory(prefix="vfpath-e2e-") as tmp, Topology(tag) as topo:
        with Daemon(binary, config(topo, workers=workers), tmp, tag, netns=topo.ns["app"], options=options) as d:
            r = topo.x("vm1", "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.0.2.10", check=False)
            check(r.returncode == 0, "IPv4 ping VM1 -> VM2 over VXLAN (Linux decapsulates ours)")
            r = topo.x("h2", "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.0.1.10", check=False)
            check(r.returncode == 0, "IPv4 ping VM2 -> VM1 (we decapsulate Linux's)")
            r = topo.x("h2", "ip", "neigh", "show", APP_IP, "dev", "eth0")
            check(APP_UNDERLAY_MAC in r.stdout, f"the remote host resolved our underlay address by "
                                                f"{'ND' if P.family == 6 else 'ARP'}: {r.stdout.strip()}")
            r = topo.x("vm1", "ping", "-6", "-c", "3", "-i", "0.2", "-W", "2", "fd00:10:0:2::10", check=False)
            check(r.returncode == 0, "IPv6 ping VM1 -> VM2 over the IPv4 underlay")
            r = topo.x("h2", "ping", "-c", "1", "-W", "2", "10.0.1.10", check=False)
            check("ttl=63" in r.stdout, "VM1's replies leave with the TTL decremented once, as to a local peer")

            before = d.query("/vfpath/drops")
            got = tcp_transfer(topo, "h2", "vm1", "10.0.2.10")
            check(got == want, f"TCP VM1 -> VM2, 2 MiB in 64 KiB writes, intact ({got[:24]}...)")
            after = d.query("/vfpath/drops")
            pmtu = after.get("mtu_exceeded", 0) - before.get("mtu_exceeded", 0)
            check(pmtu > 0, f"... through PMTU discovery: VM2 advertised MSS 1460, our frag-needed lowered it "
                            f"(mtu_exceeded +{pmtu})")
            got = tcp_transfer(topo, "vm1", "h2", "10.0.1.10")
            check(got == want, f"TCP VM2 -> VM1, 2 MiB, intact ({got[:24]}...)")
            check(udp_exchange(topo, "h2", "vm1", "10.0.2.10") == "pdu-yalrevo", "UDP VM1 -> VM2 and the answer back")
            check(udp_exchange(topo, "vm1", "h2", "10.0.1.10") == "pdu-yalrevo", "UDP VM2 -> VM1 and the answer back")

            topo.x("vm1", "ip", "route", "flush", "cache")
            topo.x("vm1", "ip", "route", "add", "10.0.2.10/32", "via", "10.0.1.1")  # a fresh route: no PMTU cached
            r = topo.x("vm1", "ping", "-M", "do", "-s", "1472", "-c", "2", "-i", "0.3", "-W", "1", "10.0.2.10",
                       check=False)
            out = r.stdout + r.stderr
            check(f"mtu = {P.inner_mtu}" in out or f"mtu={P.inner_mtu}" in out,
                  f"a 1500-byte DF ping gets fragmentation needed carrying MTU {P.inner_mtu}: "
                  + " | ".join(l for l in out.splitlines() if "mtu" in l.lower())[:120])
            r = topo.x("vm1", "ping", "-M", "do", "-s", str(P.inner_mtu - 28), "-c", "1", "-W", "2", "10.0.2.10",
                       check=False)
            check(r.returncode == 0, f"a {P.inner_mtu}-byte DF ping passes")

            base = d.query("/vfpath/drops")
            topo.x("h2", "/usr/bin/python3", "-c", INJECT)
            expect = {"underlay_spoof": 3, "no_mapping": 3, "bad_vni": 3}
            try:
                d.wait_for(lambda: all(d.query("/vfpath/drops").get(k, 0) - base.get(k, 0) >= n
                                       for k, n in expect.items()), "the injected drops", timeout=5)
            except AssertionError:
                pass
            now = d.query("/vfpath/drops")
            moved = {k: now.get(k, 0) - base.get(k, 0) for k in expect}
            check(moved["underlay_spoof"] == 3, f"a spoofed inner source from the underlay is dropped: {moved}")
            check(moved["no_mapping"] >= 3, "another VPC's VNI does not reach this VPC's ENI (no_mapping)")
            check(moved["bad_vni"] == 3, "an unknown VNI is dropped (bad_vni)")
            eni = d.query("/vfpath/enis,eni-vm1")["eni_vm1"]
            check(eni.get("underlay_spoof", 0) >= 3, "the spoofing attempts are charged to the ENI they aimed at")
            if workers > 1:
                check(f"{workers} workers" in open(d.log_path).read(), f"vfpathd ran {workers} workers")
            print(d.stop())

        with Daemon(binary, config(topo, NACL_PING_OUT_ONLY, workers), tmp, tag + "n", netns=topo.ns["app"],
                    options=options) as d:
            r = topo.x("vm1", "ping", "-c", "2", "-i", "0.2", "-W", "2", "10.0.2.10", check=False)
            check(r.returncode == 0, "NACL: echo out and its reply in are allowed over the overlay")
            base = d.query("/vfpath/enis,eni-vm1")["eni_vm1"].get("nacl_deny", 0)
            r = topo.x("vm1", "/usr/bin/python3", "-c",
                       "import socket\ntry:\n socket.create_connection(('10.0.2.10', 5001), timeout=2); print('connected')\n"
                       "except OSError as e: print('refused', e)", check=False, timeout=20)
            mid = d.query("/vfpath/enis,eni-vm1")["eni_vm1"].get("nacl_deny", 0)
            check(r.stdout.startswith("refused") and mid > base,
                  f"NACL: TCP out is denied by the source subnet's egress NACL (nacl_deny +{mid - base})")
            r = topo.x("h2", "ping", "-c", "2", "-i", "0.2", "-W", "1", "10.0.1.10", check=False)
            end = d.query("/vfpath/enis,eni-vm1")["eni_vm1"].get("nacl_deny", 0)
            check(r.returncode != 0 and end >= mid + 2,
                  f"NACL: echo in from the overlay is denied by the destination subnet's ingress NACL (+{end - mid})")

        offload = config(topo)
        offload["underlay"]["udp_checksum"] = "OFFLOAD"
        try:
            with Daemon(binary, offload, tmp, tag + "o", netns=topo.ns["app"]):
                check(False, "OFFLOAD on a device without UDP checksum offload must not start")
        except RuntimeError as e:
            check("no UDP checksum offload" in str(e),
                  "underlay.udp_checksum OFFLOAD on net_af_packet (no offload) is refused at start-up")

    failed = [w for ok, w in checks if not ok]
    print(f"{len(checks) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KernelLacks as e:
        print(f"SKIP: this kernel has no {e} device (ip link add ... type {str(e).lower()})")
        sys.exit(77)
