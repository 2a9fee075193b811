#!/usr/bin/python3
"""End-to-end: the instance metadata service with curl, EC2's IMDSv2.
vm1 (defaults: tokens required, token hop limit 1, user data set) gets a
token with PUT /latest/api/token and reads its own facts over IPv4 and
IPv6; a token-less GET is refused (401). A "container" namespace one
routed, NATed hop behind vm1 can read with vm1's token (GETs leave with
TTL 64) but cannot get a token of its own: the PUT's response leaves the
service with TTL 1 and dies at vm1's forwarding. vm2 has http_endpoint
disabled: its requests go unanswered and count as metadata_disabled.

With --bench N: also N GETs from vm1 over one keep-alive connection and N
over a new connection each (as curl makes them), timed (latency medians
and p99, requests per second), for bench/README.md. A benchmark, never a
pass/fail test.

With --workers N (N > 1): N workers on one core, the ports' queues spread
over them: requests reach the service from any worker, replies leave
through worker 0.

usage: metadata_test.py VFPATHD VFPATHCTL [--bench N] [--workers N]   (root; cleans up after itself)"""

import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
sys.path.insert(0, os.path.dirname(__file__))
from vfpath_harness import Daemon, port_devargs  # noqa: E402
from namespaces_test import Topology, sh, vpc_config  # noqa: E402

VMS = {"vm1": ("02:00:00:00:01:0a", "10.0.1.10", "10.0.1.1", "fd00:10:0:1::10", "fd00:10:0:1::1"),
       "vm2": ("02:00:00:00:02:0a", "10.0.2.10", "10.0.2.1", "fd00:10:0:2::10", "fd00:10:0:2::1")}
USER_DATA = "#cloud-config\nhostname: web-1\n"
TOKEN_TTL = "X-aws-ec2-metadata-token-ttl-seconds: 300"


def config(topo, workers):
    extra = {"vm1": {"user_data": USER_DATA},
             "vm2": {"metadata_options": {"http_endpoint": "disabled"}}}
    c = vpc_config(topo, {"vm1": "sn-1", "vm2": "sn-2"}, lambda vm: extra[vm])
    for i, p in enumerate(c["ports"]):
        p["devargs"] = port_devargs(i, topo.ports[p["name"]], workers)
    return c


def curl(topo, ns_vm, url, *args, netns=None):
    """(HTTP status or 0 when nothing came back, body) of curl in a VM's namespace (or `netns`)."""
    where = ["ip", "netns", "exec", netns] if netns else ["ip", "netns", "exec", topo.ns[ns_vm]]
    r = subprocess.run([*where, "curl", "-sS", "-g", "-m", "4", "-o", "-", "-w", "\n%{http_code}", *args, url],
                       capture_output=True, text=True, timeout=30)
    body, _, code = r.stdout.rpartition("\n")
    return int(code or 0), body


BENCH_CLIENT = r"""
import http.client, statistics, sys, time
n, token = int(sys.argv[1]), sys.argv[2]
h = {"X-aws-ec2-metadata-token": token}
def one(c):
    t = time.perf_counter()
    c.request("GET", "/latest/meta-data/local-ipv4", headers=h)
    r = c.getresponse()
    r.read()
    assert r.status == 200, r.status
    return time.perf_counter() - t
for name, fresh in (("keep-alive", False), ("new connection each", True)):
    lat, c = [], http.client.HTTPConnection("169.254.169.254", 80, timeout=5)
    t0 = time.perf_counter()
    for _ in range(n):
        if fresh:
            c = http.client.HTTPConnection("169.254.169.254", 80, timeout=5)
        lat.append(one(c))
        if fresh:
            c.close()
    total = time.perf_counter() - t0
    lat.sort()
    print(f"{name}: median {statistics.median(lat) * 1e3:.2f} ms, p99 {lat[int(len(lat) * 0.99) - 1] * 1e3:.2f} ms, "
          f"{n / total:.0f} requests/s")
"""


def bench(topo, token, n):
    r = subprocess.run(["ip", "netns", "exec", topo.ns["vm1"], "/usr/bin/python3", "-c", BENCH_CLIENT, str(n), token],
                       capture_output=True, text=True, timeout=600)
    print(r.stdout + r.stderr, flush=True)


def main():
    vfpathd, vfpathctl = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    bench_n = int(sys.argv[sys.argv.index("--bench") + 1]) if "--bench" in sys.argv else 0
    workers = int(sys.argv[sys.argv.index("--workers") + 1]) if "--workers" in sys.argv else 1
    options = ["--main-core", "0", "--worker-cores", ",".join(["1"] * workers)] if workers > 1 else []
    tag = f"vfm{os.getpid() % 100000}"
    container = f"{tag}-ctr"
    checks = []

    def check(ok, what):
        checks.append((ok, what))
        print(("ok   " if ok else "FAIL ") + what, flush=True)

    with tempfile.TemporaryDirectory(prefix="vfpath-metadata-") as tmp, Topology(tag, VMS) as topo, \
            Daemon(vfpathd, config(topo, workers), tmp, tag, netns=topo.app, options=options) as d:
        check("instance metadata on" in d.read_log(), "vfpathd runs the metadata service")
        try:
            imds = "http://169.254.169.254/latest"
            code, token = curl(topo, "vm1", f"{imds}/api/token", "-X", "PUT", "-H", TOKEN_TTL)
            check(code == 200 and len(token) == 56, f"PUT /latest/api/token gives vm1 a token ({code}, {token!r})")
            auth = ["-H", f"X-aws-ec2-metadata-token: {token}"]
            for path, want in (("meta-data/local-ipv4", "10.0.1.10"), ("meta-data/instance-id", "i-vm1"),
                               ("meta-data/mac", VMS["vm1"][0]), ("user-data", USER_DATA),
                               (f"meta-data/network/interfaces/macs/{VMS['vm1'][0]}/subnet-id", "sn-1")):
                code, body = curl(topo, "vm1", f"{imds}/{path}", *auth)
                check(code == 200 and body == want, f"GET {path} with the token: {want!r} ({code}, {body!r})")
            code, body = curl(topo, "vm1", f"{imds}/meta-data/local-ipv4")
            check(code == 401, f"a token-less GET is refused where tokens are required ({code})")
            code, token6 = curl(topo, "vm1", "http://[fd00:ec2::254]/latest/api/token", "-X", "PUT", "-H", TOKEN_TTL)
            code6, body6 = curl(topo, "vm1", "http://[fd00:ec2::254]/latest/meta-data/ipv6",
                                "-H", f"X-aws-ec2-metadata-token: {token6}")
            check(code == 200 and code6 == 200 and body6 == "fd00:10:0:1::10",
                  f"over IPv6 at [fd00:ec2::254] too ({code}, {code6}, {body6!r})")

            # A container one hop behind vm1, its traffic NATed to vm1's address.
            sh("ip", "netns", "add", container)
            sh("ip", "link", "add", "ctr0", "netns", topo.ns["vm1"], "type", "veth", "peer", "name", "eth0",
               "netns", container)
            topo.run("vm1", "ip", "addr", "add", "172.31.0.1/30", "dev", "ctr0")
            topo.run("vm1", "ip", "link", "set", "ctr0", "up")
            topo.run("vm1", "sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
            topo.run("vm1", "iptables", "-t", "nat", "-A", "POSTROUTING", "-s", "172.31.0.0/30", "-o", "eth0",
                     "-j", "MASQUERADE")
            c = ["ip", "netns", "exec", container]
            sh(*c, "ip", "link", "set", "lo", "up")
            sh(*c, "ip", "addr", "add", "172.31.0.2/30", "dev", "eth0")
            sh(*c, "ip", "link", "set", "eth0", "up")
            sh(*c, "ip", "route", "add", "default", "via", "172.31.0.1")
            code, body = curl(topo, None, f"{imds}/meta-data/local-ipv4", *auth, netns=container)
            check(code == 200 and body == "10.0.1.10", f"the container reaches the service through vm1 ({code}, {body!r})")
            code, body = curl(topo, None, f"{imds}/api/token", "-X", "PUT", "-H", TOKEN_TTL, netns=container)
            check(code == 0, f"but gets no token: the response's TTL 1 ends at vm1 (status {code})")

            if bench_n:
                bench(topo, token, bench_n)
            code, _ = curl(topo, "vm2", f"{imds}/api/token", "-X", "PUT", "-H", TOKEN_TTL)
            check(code == 0, f"vm2 (http_endpoint disabled) gets no answer ({code})")
            drops = {e["id"]: e.get("drops", {}) for e in d.stats(vfpathctl).get("enis", [])}
            check(int(drops.get("eni-vm2", {}).get("metadata_disabled", 0)) >= 1 and
                  "metadata_disabled" not in drops.get("eni-vm1", {}),
                  f"and its requests count as metadata_disabled on eni-vm2 only ({drops.get('eni-vm2')})")
        finally:
            subprocess.run(["ip", "netns", "del", container], capture_output=True)
        print(d.stop())
    failed = [w for ok, w in checks if not ok]
    print(f"{len(checks) - len(failed)}/{len(checks)} checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
