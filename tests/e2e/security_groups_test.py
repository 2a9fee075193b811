#!/usr/bin/python3
"""End-to-end: stateful security groups with real Linux TCP, driven through
vfpathctl. Three VMs in namespaces behind vfpathd (af_packet on veths):
  vm1  sg-client (egress anywhere, no ingress), allowance 20 connections
  vm2  sg-web (ingress tcp 5001 from sn-1) + sg-client
  vm3  sg-web
Checks: replies need no ingress rule; other ports are refused; ping depends
on an ICMP rule added and removed with `vfpathctl authorize/revoke`; an
established TCP session survives the revoke of its rule while a new one is
refused; a rule whose peer is a group admits an ENI only while it is a
member (membership changed by a delta, no rule touched); vm1 exhausting its
allowance does not stop vm2 from opening connections, and the ENA counters
say so.

With WORKERS > 1 the af_packet ports get that many queue pairs (kernel
fanout by hash) and vfpathd that many workers on one core (oversubscribed):
packets reach workers that do not own their connection and are handed over.

usage: security_groups_test.py VFPATHD VFPATHCTL [WORKERS]   (root; cleans up after itself)"""

import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
sys.path.insert(0, os.path.dirname(__file__))
from vfpath_harness import Daemon, port_devargs, skip_without_af_xdp  # noqa: E402
from namespaces_test import Topology  # noqa: E402

VMS = {"vm1": ("02:00:00:00:01:0a", "10.0.1.10", "10.0.1.1", "fd00:10:0:1::10", "fd00:10:0:1::1"),
       "vm2": ("02:00:00:00:02:0a", "10.0.2.10", "10.0.2.1", "fd00:10:0:2::10", "fd00:10:0:2::1"),
       "vm3": ("02:00:00:00:03:0a", "10.0.2.20", "10.0.2.1", "fd00:10:0:2::20", "fd00:10:0:2::1")}
SUBNET = {"vm1": "sn-1", "vm2": "sn-2", "vm3": "sn-2"}
GROUPS = {"vm1": ["sg-client"], "vm2": ["sg-web", "sg-client"], "vm3": ["sg-web"]}
ALLOWANCE = 20


def config(topo, workers):
    enis = []
    for vm, (mac, ip4, _, ip6, _) in VMS.items():
        e = {"id": f"eni-{vm}", "port": vm, "mac": mac, "subnet": SUBNET[vm], "ipv4": [ip4], "ipv6": [ip6],
             "security_groups": GROUPS[vm]}
        if vm == "vm1":
            e["conntrack"] = {"allowance": ALLOWANCE}
        enis.append(e)
    return {
        "generation": 1,
        "ports": [{"name": vm, "role": "ENI", "devargs": port_devargs(i, topo.ports[vm], workers)}
                  for i, vm in enumerate(VMS)],
        "vpcs": [{"id": "vpc-demo", "cidrs": ["10.0.0.0/16", "fd00:10::/56"]}],
        "subnets": [{"id": "sn-1", "vpc": "vpc-demo", "ipv4_cidr": "10.0.1.0/24", "ipv6_cidr": "fd00:10:0:1::/64"},
                    {"id": "sn-2", "vpc": "vpc-demo", "ipv4_cidr": "10.0.2.0/24", "ipv6_cidr": "fd00:10:0:2::/64"}],
        "security_groups": [
            {"id": "sg-client", "vpc": "vpc-demo", "egress": [{"protocol": "all", "cidrs": ["0.0.0.0/0", "::/0"]}]},
            {"id": "sg-web", "vpc": "vpc-demo",
             "ingress": [{"protocol": "tcp", "port_range": {"from": 5001, "to": 5001}, "cidrs": ["10.0.0.0/16"]}]}],
        "conntrack": {"capacity": 65536},
        "enis": enis,
    }


# An echo server, and a client that exchanges one line, waits for "go" on its
# stdin, then exchanges another on the same connection.
ECHO_SERVER = """
import socket, sys, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5001)); s.listen(64)
def serve(c):
    while True:
        b = c.recv(1024)
        if not b: break
        c.sendall(b)
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
"""
SESSION_CLIENT = """
import socket, sys
c = socket.create_connection((sys.argv[1], 5001), timeout=5)
c.sendall(b"one\\n"); print(c.recv(100).decode().strip(), flush=True)
sys.stdin.readline()
c.settimeout(5)
try:
    c.sendall(b"two\\n"); print(c.recv(100).decode().strip(), flush=True)
except OSError as e:
    print("lost", e, flush=True)
"""
BULK_ECHO = """
import socket, sys, threading
c = socket.create_connection((sys.argv[1], 5001), timeout=20)
got = 0
def reader():
    global got
    while got < (1 << 20):
        b = c.recv(65536)
        if not b: break
        got += len(b)
t = threading.Thread(target=reader); t.start()
c.sendall(b"x" * (1 << 20)); t.join(); print(got)
"""
CONNECT = """
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=float(sys.argv[3])).close(); print("connected")
except OSError as e:
    print("refused", e)
"""


def main():
    skip_without_af_xdp()
    vfpathd, vfpathctl = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    options = ["--main-core", "0", "--worker-cores", ",".join(["1"] * workers)] if workers > 1 else []
    tag = f"vfs{os.getpid() % 100000}"
    checks = []

    def check(ok, what):
        checks.append((ok, what))
        print(("ok   " if ok else "FAIL ") + what, flush=True)

    procs = []
    with tempfile.TemporaryDirectory(prefix="vfpath-sg-") as tmp, Topology(tag, VMS) as topo, \
            Daemon(vfpathd, config(topo, workers), tmp, tag, netns=topo.app, options=options) as d:
        def ctl(*args):
            r = subprocess.run([vfpathctl, "--socket", d.control_socket, *args], capture_output=True, text=True, timeout=30)
            return r.returncode, r.stdout + r.stderr

        def eni_stats(vm):
            rc, out = ctl("stats", "-o", "json")
            for e in json.loads(out[:out.rfind("}") + 1]).get("enis", []):
                if e["id"] == f"eni-{vm}":
                    return e
            return {}

        def connect(vm, ip, port, timeout=3):
            return topo.run(vm, "/usr/bin/python3", "-c", CONNECT, ip, str(port), str(timeout), check=False,
                            timeout=timeout + 10).stdout.strip()

        def ping(vm, ip):
            return topo.run(vm, "ping", "-c", "2", "-i", "0.3", "-W", "2", ip, check=False).returncode == 0

        try:
            for vm, ip in (("vm2", "10.0.2.10"), ("vm3", "10.0.2.20")):
                procs.append(subprocess.Popen(["ip", "netns", "exec", topo.ns[vm], "/usr/bin/python3", "-c", ECHO_SERVER, ip],
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            time.sleep(0.5)

            # 1. Stateful: vm1 reaches vm2:5001, replies flow with no ingress rule on vm1.
            check(connect("vm1", "10.0.2.10", 5001) == "connected", "vm1 -> vm2:5001 allowed; the SYN-ACK needs no rule on vm1")
            # 1b. Bulk data both ways (the responder sends as much as the originator,
            # with window scaling on both sides): not one segment is refused.
            try:
                echoed = topo.run("vm1", "/usr/bin/python3", "-c", BULK_ECHO, "10.0.2.10", check=False,
                                  timeout=40).stdout.strip()
            except subprocess.TimeoutExpired:
                echoed = "timed out"
            invalid = sum(int(eni_stats(vm).get("drops", {}).get("tcp_invalid", 0)) for vm in ("vm1", "vm2"))
            check(echoed == str(1 << 20) and invalid == 0,
                  f"1 MiB echoed back through the tracker, tcp_invalid {invalid}: {echoed[:40]}")
            # 2. A port no rule allows.
            before = int(eni_stats("vm1").get("drops", {}).get("sg_deny", 0))
            check(connect("vm1", "10.0.2.10", 5002, timeout=2).startswith("refused"), "vm1 -> vm2:5002 refused (no rule)")
            after = int(eni_stats("vm1").get("drops", {}).get("sg_deny", 0))
            check(after > before, f"sg_deny counted on eni-vm1 ({before} -> {after})")
            # 3. Ping needs an ICMP rule: authorize it, then revoke it, with vfpathctl.
            check(not ping("vm1", "10.0.2.10"), "ping vm1 -> vm2 refused: sg-web has no ICMP rule")
            rc, out = ctl("authorize", "sg-web", "-P", "icmp", "-t", "8:-1", "-s", "10.0.1.0/24")
            check(rc == 0 and "authorized sg-web" in out, f"vfpathctl authorize sg-web -P icmp -t 8:-1 -s 10.0.1.0/24: {out.strip()}")
            check(ping("vm1", "10.0.2.10"), "after authorize, ping vm1 -> vm2 is answered")
            rc, out = ctl("revoke", "sg-web", "-P", "icmp", "-t", "8:-1", "-s", "10.0.1.0/24")
            check(rc == 0 and "revoked sg-web" in out, f"vfpathctl revoke: {out.strip()}")
            check(not ping("vm1", "10.0.2.20"), "after revoke, a new ping (to vm3, same group) is refused")
            rc, out = ctl("revoke", "sg-web", "-P", "icmp", "-t", "8:-1", "-s", "10.0.1.0/24")
            check(rc == 1 and "no ingress rule" in out, f"revoking a rule that is not there is refused: {out.strip()[:80]}")
            rc, out = ctl("explain", "--eni", "eni-vm1", "--dst", "10.0.2.10", "-P", "tcp", "-p", "5001")
            check("sg-web ingress[0] 10.0.0.0/16" in out and "verdict   forward" in out,
                  "explain names the security-group rule that admits vm1 -> vm2:5001")

            # 4. An established session survives the revoke of its rule; a new one is refused.
            client = subprocess.Popen(["ip", "netns", "exec", topo.ns["vm1"], "/usr/bin/python3", "-c", SESSION_CLIENT,
                                       "10.0.2.10"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            procs.append(client)
            first = client.stdout.readline().strip()
            rc, out = ctl("conns", "--eni", "eni-vm2", "-p", "5001", "--state", "established")
            row = [l for l in out.splitlines() if l.startswith("eni-vm2")]
            check(rc == 0 and len(row) == 1 and "10.0.1.10:" in row[0] and "10.0.2.10:5001" in row[0],
                  f"vfpathctl conns lists the session in vm2's zone: {row}")
            rc, out = ctl("revoke", "sg-web", "-P", "tcp", "-p", "5001", "-s", "10.0.0.0/16")
            check(rc == 0, f"vfpathctl revoke sg-web -P tcp -p 5001 -s 10.0.0.0/16: {out.strip()}")
            client.stdin.write("go\n")
            client.stdin.flush()
            second = client.stdout.readline().strip()
            check(first == "one" and second == "two", f"the established session survives the revoke ({first!r}, {second!r})")
            check(connect("vm1", "10.0.2.10", 5001, timeout=2).startswith("refused"), "a new connection to 5001 is refused")
            rc, out = ctl("authorize", "sg-web", "-P", "tcp", "-p", "5001", "-s", "10.0.0.0/16")
            check(rc == 0 and connect("vm1", "10.0.2.10", 5001) == "connected", "authorize again: new connections pass")

            # 5. A rule whose peer is a group: membership decides, and changing it
            # (a delta upserting the ENI) takes effect without any rule changing.
            def push_delta(delta):
                rc, out = ctl("get")
                now = json.loads(out)
                delta["generation"] = int(now.get("generation", 0)) + 1
                path = os.path.join(tmp, "delta.json")
                json.dump(delta, open(path, "w"))
                return ctl("apply", "--delta", path, "--base-generation", str(now.get("generation", 0)))

            def vm1_eni(groups):
                rc, out = ctl("get")
                eni = next(e for e in json.loads(out)["config"]["enis"] if e["id"] == "eni-vm1")
                eni.pop("securityGroups", None)  # whichever JSON name Get printed
                eni["security_groups"] = groups
                return eni

            rc, out = push_delta({"upsert_security_groups": [{"id": "sg-ops", "vpc": "vpc-demo"}]})
            check(rc == 0, f"delta: create the empty group sg-ops: {out.strip()}")
            ctl("revoke", "sg-web", "-P", "tcp", "-p", "5001", "-s", "10.0.0.0/16")
            rc, out = ctl("authorize", "sg-web", "-P", "tcp", "-p", "5001", "-g", "sg-ops")
            check(rc == 0, f"vfpathctl authorize sg-web -P tcp -p 5001 -g sg-ops: {out.strip()}")
            check(connect("vm1", "10.0.2.20", 5001, timeout=2).startswith("refused"),
                  "vm1 is not in sg-ops: its connection to vm3:5001 is refused")
            rc, out = push_delta({"upsert_enis": [vm1_eni(["sg-client", "sg-ops"])]})
            check(rc == 0, f"delta: vm1 joins sg-ops: {out.strip()}")
            check(connect("vm1", "10.0.2.20", 5001) == "connected", "vm1 in sg-ops: its connection to vm3:5001 passes")
            rc, out = ctl("explain", "--eni", "eni-vm1", "--dst", "10.0.2.20", "-P", "tcp", "-p", "5001")
            check("group sg-ops" in out and "verdict   forward" in out, "explain names the group rule that admits it")
            rc, out = push_delta({"upsert_enis": [vm1_eni(["sg-client"])]})
            check(rc == 0 and connect("vm1", "10.0.2.20", 5001, timeout=2).startswith("refused"),
                  f"vm1 leaves sg-ops: new connections are refused again ({out.strip()})")
            ctl("revoke", "sg-web", "-P", "tcp", "-p", "5001", "-g", "sg-ops")
            rc, out = ctl("authorize", "sg-web", "-P", "tcp", "-p", "5001", "-s", "10.0.0.0/16")
            check(rc == 0, f"the CIDR rule is back: {out.strip()}")

            # 6. vm1 opens UDP flows without end: its allowance runs out, vm2 is not affected.
            ctl("authorize", "sg-web", "-P", "udp", "-p", "6000-6999", "-s", "10.0.1.0/24")
            topo.run("vm1", "/usr/bin/python3", "-c",
                     "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                     "for p in range(6000, 6100): s.sendto(b'x', ('10.0.2.10', p))")
            deadline = time.time() + 5
            while time.time() < deadline:
                e1 = eni_stats("vm1")
                if int(e1.get("conntrack_allowance_available", 0)) == 0 and int(e1.get("connections", 0)) > 0:
                    break
                time.sleep(0.2)
            exceeded = int(e1.get("conntrack_allowance_exceeded", 0))
            check(exceeded > 0 and int(e1.get("conntrack_allowance_available", 0)) == 0 and
                  int(e1.get("connections", 0)) == ALLOWANCE,
                  f"vm1 at its allowance: connections {e1.get('connections')}, exceeded {exceeded}, available "
                  f"{e1.get('conntrack_allowance_available', 0)}")
            check(connect("vm1", "10.0.2.10", 5001, timeout=2).startswith("refused"), "vm1 cannot open another connection")
            check(connect("vm2", "10.0.2.20", 5001) == "connected", "vm2 still opens new connections (to vm3)")
        finally:
            for p in procs:
                p.kill()
                p.wait()
        report = d.stop()
        print(report)
        if workers > 1:
            check(f"{workers} workers" in open(d.log_path).read(), f"vfpathd ran {workers} workers")

    failed = [w for ok, w in checks if not ok]
    print(f"{len(checks) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
