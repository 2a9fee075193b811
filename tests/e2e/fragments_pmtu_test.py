#!/usr/bin/python3
"""End-to-end: reordered fragments and a third party's ICMP errors, with the
VMs' own Linux kernels as the judges. Three VMs in namespaces behind vfpathd
(af_packet on veths):
  vm1  sg-client (egress anywhere, no ingress)
  vm2  sg-udp    (ingress udp 6000 from the VPC, no egress)
  vm3  sg-router (egress anywhere): a host in the path, as a router or a NAT
       instance would be, that sends "fragmentation needed" / "packet too big"
Checks:
  1. UDP datagrams sent by vm1 with their fragments in reverse order (last
     first), IPv4 and IPv6, reach vm2's socket whole when the port is allowed,
     and not at all when it is not (every fragment refused like the first,
     none orphaned). IPv6 (3000 bytes, 3 fragments) exercises vfpathd's hold.
     IPv4 on af_packet ports is reassembled by the kernel before vfpathd reads
     it (the PMD's fanout sets PACKET_FANOUT_FLAG_DEFRAG), so it is kept below
     the PMD's 2048-byte frames and checks only the end result; the hold's
     IPv4 path is tested on pcap ports (tests/integration/conntrack_pcap_test.py)
     and in tests/dataplane;
  2. path-MTU discovery through a third party: vm3's frag-needed about vm1's
     UDP flow to vm2 passes on vm1's tracked connection alone (vm1 has no
     ingress rule), and vm1's kernel lowers its path MTU to vm2 — `ping -M do
     -s 1400` then fails locally with the new MTU; the same towards vm2 about
     its replies (vm2's zone), and IPv6 packet-too-big both ways;
  3. an error quoting a flow nobody has is still dropped (icmp_unrelated).

usage: fragments_pmtu_test.py VFPATHD VFPATHCTL   (root; cleans up after itself)"""

import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
sys.path.insert(0, os.path.dirname(__file__))
from vfpath_harness import Daemon  # noqa: E402
from namespaces_test import ROUTER, Topology, config as two_vm_config  # noqa: E402
from security_groups_test import SUBNET, VMS  # noqa: E402

GROUPS = {"vm1": ["sg-client"], "vm2": ["sg-udp"], "vm3": ["sg-router"]}
ANYWHERE = ["0.0.0.0/0", "::/0"]


def config(topo):
    return {
        "generation": 1,
        "ports": [{"name": vm, "role": "ENI", "devargs": f"net_af_packet{i},iface={topo.ports[vm]}"}
                  for i, vm in enumerate(VMS)],
        **{k: two_vm_config(topo)[k] for k in ("vpcs", "subnets")},  # the VPC of namespaces_test
        "security_groups": [
            {"id": "sg-client", "vpc": "vpc-demo", "egress": [{"protocol": "all", "cidrs": ANYWHERE}]},
            {"id": "sg-udp", "vpc": "vpc-demo", "ingress": [
                {"protocol": "udp", "port_range": {"from": 6000, "to": 6000}, "cidrs": ["10.0.0.0/16", "fd00:10::/56"]}]},
            {"id": "sg-router", "vpc": "vpc-demo", "egress": [{"protocol": "all", "cidrs": ANYWHERE}]}],
        "enis": [{"id": f"eni-{vm}", "port": vm, "mac": mac, "subnet": SUBNET[vm], "ipv4": [ip4], "ipv6": [ip6],
                  "security_groups": GROUPS[vm]} for vm, (mac, ip4, _, ip6, _) in VMS.items()],
    }


# vm2: UDP sockets on 6000 and 7000, both families; prints what each received
# (lengths) once `seconds` have passed. The 6000 sockets also answer each
# datagram with a short one, so vm2's zone sees vm2 -> vm1 packets.
RECEIVER = """
import json, select, socket, sys, time
socks = {}
for fam, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
    for port in (6000, 7000):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        if fam == socket.AF_INET6: s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((addr, port)); socks[s] = f"{'v6' if fam == socket.AF_INET6 else 'v4'}:{port}"
got = {name: [] for name in socks.values()}
print("ready", flush=True)
end = time.time() + float(sys.argv[1])
while time.time() < end:
    r, _, _ = select.select(list(socks), [], [], 0.1)
    for s in r:
        data, peer = s.recvfrom(65535)
        got[socks[s]].append(len(data))
print(json.dumps(got), flush=True)
"""

# vm1: scapy sends a 3000-byte UDP datagram to vm2's ports, fragments last first.
REVERSED = """
import sys
from scapy.all import Ether, IP, IPv6, IPv6ExtHdrFragment, UDP, Raw, fragment, fragment6, sendp
router, mac = sys.argv[1], sys.argv[2]
for port in (6000, 7000):
    p = IP(src="10.0.1.10", dst="10.0.2.10", id=4000 + port) / UDP(sport=5555, dport=port) / Raw(b"x" * 1400)
    frags = fragment(p, fragsize=480)
    sendp([Ether(src=mac, dst=router) / f for f in reversed(frags)], iface="eth0", verbose=False)
    p6 = (IPv6(src="fd00:10:0:1::10", dst="fd00:10:0:2::10") / IPv6ExtHdrFragment(id=6000 + port) /
          UDP(sport=5555, dport=port) / Raw(b"y" * 3000))
    frags6 = fragment6(p6, 1280)
    sendp([Ether(src=mac, dst=router) / f for f in reversed(frags6)], iface="eth0", verbose=False)
print(len(frags), len(frags6), flush=True)
"""

# vm1 (and vm2): a UDP socket on `port`, both families, that sends one
# datagram to the peer and stays open `seconds` so the kernel can match an
# ICMP error about it to a socket.
FLOW = """
import socket, sys, time
port, peer4, peer6, peer_port, seconds = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s4.bind(("0.0.0.0", port))
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
s6.bind(("::", port))
s4.sendto(b"hello", (peer4, peer_port)); s6.sendto(b"hello", (peer6, peer_port))
print("sent", flush=True)
time.sleep(seconds)
"""

# vm3: a third party's errors, each quoting a packet of the flow named.
THIRD_PARTY = """
import sys
from scapy.all import Ether, IP, ICMP, IPv6, ICMPv6PacketTooBig, UDP, Raw, sendp
router, mac, which = sys.argv[1], sys.argv[2], sys.argv[3]
def v4(dst, q_src, q_dst, sport, dport, mtu):
    quoted = IP(src=q_src, dst=q_dst, ttl=63) / UDP(sport=sport, dport=dport) / Raw(b"hello")
    return Ether(src=mac, dst=router) / IP(src="10.0.2.20", dst=dst) / ICMP(type=3, code=4, nexthopmtu=mtu) / bytes(quoted)
def v6(dst, q_src, q_dst, sport, dport, mtu):
    quoted = IPv6(src=q_src, dst=q_dst, hlim=63) / UDP(sport=sport, dport=dport) / Raw(b"hello")
    return Ether(src=mac, dst=router) / IPv6(src="fd00:10:0:2::20", dst=dst) / ICMPv6PacketTooBig(mtu=mtu) / bytes(quoted)
frames = {
    "to-vm1": [v4("10.0.1.10", "10.0.1.10", "10.0.2.10", 5000, 6000, 1300),
               v6("fd00:10:0:1::10", "fd00:10:0:1::10", "fd00:10:0:2::10", 5000, 6000, 1280)],
    "to-vm2": [v4("10.0.2.10", "10.0.2.10", "10.0.1.10", 6000, 5000, 1320),
               v6("fd00:10:0:2::10", "fd00:10:0:2::10", "fd00:10:0:1::10", 6000, 5000, 1280)],
    "unknown": [v4("10.0.1.10", "10.0.1.10", "10.0.2.10", 5999, 6001, 1300)],
}[which]
sendp(frames, iface="eth0", verbose=False)
"""


def main():
    vfpathd, vfpathctl = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    tag = f"vff{os.getpid() % 100000}"
    checks = []

    def check(ok, what):
        checks.append((ok, what))
        print(("ok   " if ok else "FAIL ") + what, flush=True)

    procs = []
    with tempfile.TemporaryDirectory(prefix="vfpath-frag-") as tmp, Topology(tag, VMS) as topo, \
            Daemon(vfpathd, config(topo), tmp, tag, netns=topo.app) as d:
        def drops(vm):
            r = subprocess.run([vfpathctl, "--socket", d.control_socket, "stats", "-o", "json"], capture_output=True,
                               text=True, timeout=30)
            out = r.stdout
            for e in json.loads(out[:out.rfind("}") + 1]).get("enis", []):
                if e["id"] == f"eni-{vm}":
                    return {k: int(v) for k, v in e.get("drops", {}).items()}
            return {}

        def route_mtu(vm, dst):
            out = topo.run(vm, "ip", "route", "get", dst, check=False).stdout
            words = out.split()
            return int(words[words.index("mtu") + 1]) if "mtu" in words else None

        def scapy(vm, script, *args, timeout=60):
            return topo.run(vm, "/usr/bin/python3", "-c", script, *args, check=False, timeout=timeout)

        try:
            # Neighbours first: the VMs learn the router's MAC (and it theirs).
            for vm in VMS:
                topo.run(vm, "ping", "-c", "1", "-W", "2", VMS[vm][2], check=False)

            # 1. Fragments last first.
            receiver = subprocess.Popen(["ip", "netns", "exec", topo.ns["vm2"], "/usr/bin/python3", "-c", RECEIVER, "6"],
                                        stdout=subprocess.PIPE, text=True)
            procs.append(receiver)
            check(receiver.stdout.readline().strip() == "ready", "vm2's receiver is listening")
            before = drops("vm1")
            sent = scapy("vm1", REVERSED, ROUTER, VMS["vm1"][0])
            check(sent.returncode == 0, f"vm1 sent the datagrams fragmented, last fragment first: {sent.stdout.strip()} "
                                        f"{sent.stderr.strip()[-200:]}")
            got = json.loads(receiver.stdout.readline())
            receiver.wait(timeout=10)
            after = drops("vm1")
            check(got["v4:6000"] == [1400], f"IPv4: the reversed datagram to the allowed port arrived whole: {got['v4:6000']}")
            check(got["v6:6000"] == [3000], f"IPv6: the same: {got['v6:6000']}")
            check(got["v4:7000"] == [] and got["v6:7000"] == [], f"to the refused port nothing arrived: {got}")
            frags = [int(x) for x in sent.stdout.split()] if sent.returncode == 0 else [0, 0]
            denied = after.get("sg_deny", 0) - before.get("sg_deny", 0)
            # DPDK 22.11's af_packet PMD joins a fanout group with
            # PACKET_FANOUT_FLAG_DEFRAG: the kernel reassembles IPv4 before
            # vfpathd reads it, so the IPv4 datagram may count once, whole.
            check(denied in (frags[0] + frags[1], 1 + frags[1]),
                  f"every fragment to the refused port is sg_deny, as its first: {denied} of {frags[0]} + {frags[1]} "
                  f"(IPv4 whole if af_packet reassembled it; vm1's drops {after})")
            lost = {k: after.get(k, 0) - before.get(k, 0) for k in ("fragment_orphan", "fragment_timeout", "fragment_hold_full")}
            check(not any(lost.values()), f"no fragment orphaned, timed out or refused room: {lost}")

            # 2. Path-MTU discovery through a third party.
            flows = [subprocess.Popen(["ip", "netns", "exec", topo.ns[vm], "/usr/bin/python3", "-c", FLOW, *args],
                                      stdout=subprocess.PIPE, text=True)
                     for vm, args in (("vm2", ["6000", "10.0.1.10", "fd00:10:0:1::10", "5000", "6"]),
                                      ("vm1", ["5000", "10.0.2.10", "fd00:10:0:2::10", "6000", "6"]))]
            procs += flows
            check(all(f.stdout.readline().strip() == "sent" for f in flows), "vm1 and vm2 exchanged UDP on 5000/6000")
            time.sleep(0.3)
            check(route_mtu("vm1", "10.0.2.10") is None, "before: vm1 has no path MTU to vm2")
            before = drops("vm3")
            scapy("vm3", THIRD_PARTY, ROUTER, VMS["vm3"][0], "to-vm1")
            scapy("vm3", THIRD_PARTY, ROUTER, VMS["vm3"][0], "to-vm2")
            time.sleep(0.5)
            mtu = route_mtu("vm1", "10.0.2.10")
            check(mtu == 1300, f"vm3's frag-needed reached vm1 (RELATED on vm1's connection): path MTU to vm2 {mtu}")
            ping = topo.run("vm1", "ping", "-M", "do", "-s", "1400", "-c", "1", "-W", "1", "10.0.2.10", check=False)
            check(ping.returncode != 0 and "mtu=1300" in (ping.stdout + ping.stderr),
                  f"ping -M do -s 1400 now stops at the discovered MTU: {(ping.stdout + ping.stderr).strip()[-80:]}")
            mtu = route_mtu("vm2", "10.0.1.10")
            check(mtu == 1320, f"and vm2 learnt its own, about its replies: path MTU to vm1 {mtu}")
            mtu6 = route_mtu("vm1", "fd00:10:0:2::10")
            check(mtu6 == 1280, f"IPv6 packet-too-big reached vm1: path MTU to vm2 {mtu6}")
            mtu6 = route_mtu("vm2", "fd00:10:0:1::10")
            check(mtu6 == 1280, f"and vm2: path MTU to vm1 {mtu6}")
            mid = drops("vm3")
            check(mid.get("icmp_unrelated", 0) == before.get("icmp_unrelated", 0),
                  f"none of the four errors was refused: icmp_unrelated {mid.get('icmp_unrelated', 0)}")

            # 3. An error about nothing anyone tracks.
            scapy("vm3", THIRD_PARTY, ROUTER, VMS["vm3"][0], "unknown")
            time.sleep(0.5)
            end = drops("vm3")
            check(end.get("icmp_unrelated", 0) == mid.get("icmp_unrelated", 0) + 1,
                  f"an error quoting a flow nobody has is dropped as icmp_unrelated "
                  f"({mid.get('icmp_unrelated', 0)} -> {end.get('icmp_unrelated', 0)})")
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                p.wait()

    failed = [w for ok, w in checks if not ok]
    print(f"{len(checks) - len(failed)}/{len(checks)} checks passed")
    return 1 if failed or not checks else 0


if __name__ == "__main__":
    sys.exit(main())
