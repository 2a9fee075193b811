#!/usr/bin/python3
"""Push-to-effect latency of the control API: vfpathd (net_null ports) with a
network ACL of N entries in force; each push changes one entry; the figure is
vfpathd's own apply time (validate + compile + publish with the RCU grace
period), p50 and p99 over --pushes pushes, for each N. Also the end-to-end
time of `vfpathctl apply` (process start, gRPC, apply). With --sg-members M:
M ENIs in one security group whose rule admits the group's own members,
each push changing one port of that rule. With --membership M: the same
group, each push moving one ENI out of it or back in (an address-set delta:
no classifier is rebuilt). With --sg-beside-nacl N: a network ACL of N
entries in force while each push changes a security group's port (the
NACL's classifier is reused, not rebuilt). A benchmark.

usage: push_latency.py VFPATHD VFPATHCTL [--pushes 50] [--rules 20 1000 10000] [--sg-members 10 100 1000]
                       [--membership 10 100 1000] [--sg-beside-nacl 10000]"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "lib"))
from vfpath_harness import Daemon  # noqa: E402


def config(generation, rules, changed_port):
    egress = [{"rule_number": i + 1, "action": "ALLOW", "cidr": f"10.{(i >> 8) & 255}.{i & 255}.0/24",
               "protocol": "tcp", "port_range": {"from": 1000 + i % 5000, "to": 1000 + i % 5000}}
              for i in range(rules - 1)]
    egress.append({"rule_number": rules, "action": "DENY", "cidr": "10.0.0.0/8", "protocol": "udp",
                   "port_range": {"from": changed_port, "to": changed_port}})
    return {"generation": generation,
            "limits": {"nacl_rules_per_direction": max(rules, 20)},
            "ports": [{"name": "a", "role": "ENI", "devargs": "net_null0"},
                      {"name": "b", "role": "ENI", "devargs": "net_null1"}],
            "vpcs": [{"id": "v", "cidrs": ["10.0.0.0/8"]}],
            "subnets": [{"id": "s1", "vpc": "v", "ipv4_cidr": "10.0.1.0/24", "network_acl": "acl"},
                        {"id": "s2", "vpc": "v", "ipv4_cidr": "10.0.2.0/24"}],
            "network_acls": [{"id": "acl", "vpc": "v", "egress": egress}],
            "enis": [{"id": "vm1", "port": "a", "mac": "02:00:00:00:01:0a", "subnet": "s1", "ipv4": ["10.0.1.10"]},
                     {"id": "vm2", "port": "b", "mac": "02:00:00:00:02:0a", "subnet": "s2", "ipv4": ["10.0.2.10"]}]}


def sg_config(generation, members, changed_port, outsider=None):
    """`members` ENIs on one port (told apart by MAC), all in sg-app, which
    admits TCP from its own members on two ports, one of them changed per push.
    ENI number `outsider` is in sg-other instead."""
    enis = [{"id": f"vm{i}", "port": "a", "mac": f"02:00:00:{(i >> 8) & 255:02x}:{i & 255:02x}:0a", "subnet": "s1",
             "ipv4": [f"10.{1 + (i >> 8)}.{i & 255}.10"],
             "security_groups": ["sg-other" if i == outsider else "sg-app"]} for i in range(members)]
    return {"generation": generation,
            "ports": [{"name": "a", "role": "ENI", "devargs": "net_null0"}],
            "vpcs": [{"id": "v", "cidrs": ["10.0.0.0/8"]}],
            "subnets": [{"id": "s1", "vpc": "v", "ipv4_cidr": "10.0.0.0/8"}],
            "security_groups": [{"id": "sg-app", "vpc": "v", "ingress": [
                {"protocol": "tcp", "port_range": {"from": 443, "to": 443}, "security_groups": ["sg-app"]},
                {"protocol": "tcp", "port_range": {"from": changed_port, "to": changed_port}, "security_groups": ["sg-app"]}],
                "egress": [{"protocol": "all", "cidrs": ["0.0.0.0/0"]}]},
                {"id": "sg-other", "vpc": "v", "egress": [{"protocol": "all", "cidrs": ["0.0.0.0/0"]}]}],
            "enis": enis}


def membership_config(generation, members):
    """sg_config with the rule fixed and ENI (generation % members) moved out
    of sg-app: every push changes the group's members by one in and one out."""
    return sg_config(generation, members, 8443, outsider=generation % members)


def sg_beside_nacl_config(generation, rules, changed_port):
    """config() with its NACL fixed, and vm2 in a group whose port changes."""
    c = config(generation, rules, 9999)
    c["security_groups"] = [{"id": "sg-web", "vpc": "v", "ingress": [
        {"protocol": "tcp", "port_range": {"from": changed_port, "to": changed_port}, "cidrs": ["10.0.0.0/8"]}]}]
    c["enis"][1]["security_groups"] = ["sg-web"]
    return c


def measure(a, tmp, name, make):
    """p50/p99 of vfpathd's apply time and the p50 of `vfpathctl apply`, in ms."""
    with Daemon(a.vfpathd, make(1, 1001), tmp, name, memory_mb=1024,
                options=["--idle-sleep-max-us", a.idle_sleep_max_us]) as d:
        applied, wall = [], []
        path = f"{tmp}/push.json"
        for g in range(2, a.pushes + 2):
            json.dump(make(g, 1000 + g), open(path, "w"))
            t0 = time.monotonic()
            r = subprocess.run([a.vfpathctl, "--socket", d.control_socket, "apply", path],
                               capture_output=True, text=True, timeout=120)
            wall.append((time.monotonic() - t0) * 1e3)
            if r.returncode != 0:
                sys.exit(f"push refused: {r.stderr}")
            applied.append(int(r.stdout.split(" in ")[1].split()[0]) / 1e3)
    return statistics.median(applied), pct(applied, 99), statistics.median(wall)


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("vfpathd")
    ap.add_argument("vfpathctl")
    ap.add_argument("--pushes", type=int, default=50)
    ap.add_argument("--rules", type=int, nargs="+", default=[20, 1000, 10000])
    ap.add_argument("--idle-sleep-max-us", default="200")
    ap.add_argument("--sg-members", type=int, nargs="*", default=[])
    ap.add_argument("--membership", type=int, nargs="*", default=[])
    ap.add_argument("--sg-beside-nacl", type=int, nargs="*", default=[])
    a = ap.parse_args()
    print("| in force | apply p50 | apply p99 | vfpathctl apply p50 (end to end) |\n|---|---|---|---|")
    # (sizes, tag, configuration of generation g and changed port for size n, row label for n)
    scenarios = [
        (a.rules, "r", lambda n: lambda g, port: config(g, n, port - 1000), "{} NACL entries"),
        (a.sg_members, "m", lambda n: lambda g, port: sg_config(g, n, port),
         "{} ENIs in a group admitting its members: one rule's port changed"),
        (a.membership, "j", lambda n: lambda g, port: membership_config(g, n),
         "{} ENIs in a group admitting its members: one ENI leaves, another returns"),
        (a.sg_beside_nacl, "n", lambda n: lambda g, port: sg_beside_nacl_config(g, n, port),
         "{} NACL entries unchanged, one security-group rule changed"),
    ]
    for sizes, tag, make, label in scenarios:
        for n in sizes:
            with tempfile.TemporaryDirectory(prefix="vfpath-push-") as tmp:
                p50, p99, wall = measure(a, tmp, f"vfpush{os.getpid()}{tag}{n}", make(n))
            print(f"| {label.format(n)} | {p50:.2f} ms | {p99:.2f} ms | {wall:.1f} ms |", flush=True)

if __name__ == "__main__":
    main()
