#!/usr/bin/python3
"""CPU time an idle vfpathd takes (no traffic: net_null ports with no-rx),
with the default idle back-off and with pure polling, over --seconds. A
benchmark: what sharing a small box with an idle appliance costs.

usage: idle_cpu.py VFPATHD [--seconds 5]"""

import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "lib"))
from vfpath_harness import Daemon  # noqa: E402

CONFIG = {"generation": 1,
          "ports": [{"name": "a", "role": "ENI", "devargs": "net_null0,no-rx=1"}],
          "vpcs": [{"id": "v", "cidrs": ["10.0.0.0/16"]}],
          "subnets": [{"id": "s", "vpc": "v", "ipv4_cidr": "10.0.1.0/24"}],
          "enis": [{"id": "e", "port": "a", "mac": "02:00:00:00:00:01", "subnet": "s", "ipv4": ["10.0.1.5"]}]}


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("vfpathd")
    ap.add_argument("--seconds", type=float, default=5)
    a = ap.parse_args()
    print("| idle policy | CPU used while idle |\n|---|---|")
    for label, sleep in (("default back-off (--idle-sleep-max-us 200)", "200"), ("pure polling (--idle-sleep-max-us 0)", "0")):
        with tempfile.TemporaryDirectory() as tmp, \
                Daemon(a.vfpathd, CONFIG, tmp, f"vfidle{os.getpid()}{sleep}", options=["--idle-sleep-max-us", sleep]) as d:
            time.sleep(1)
            c0, t0 = cpu_seconds(d.proc.pid), time.monotonic()
            time.sleep(a.seconds)
            c1, t1 = cpu_seconds(d.proc.pid), time.monotonic()
            print(f"| {label} | {100 * (c1 - c0) / (t1 - t0):.1f} % of one core |", flush=True)


if __name__ == "__main__":
    main()
