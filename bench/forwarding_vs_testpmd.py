#!/usr/bin/python3
"""Forwarding rate of one vfpathd worker core next to dpdk-testpmd io
forwarding on the same ports, in the same run: net_pcap (infinite_rx=1,
64-byte frames over 10,000 flows from vm1 to vm2) in, net_null out. Runs each
side `--runs` times alternately and prints medians and the ratio, which is
the cost of the pipeline over raw I/O. A benchmark, never a test.

With --link-local-services: vfpathd as it runs by default (instance
metadata service and periodic router advertisements on: worker 0 polls the
metadata ring and the advertisement clock every loop) against
`--no-metadata --ra-interval-max 0`, alternately: the cost of those
services to forwarding.

usage: forwarding_vs_testpmd.py VFPATHD [--runs 3] [--seconds 5] [--link-local-services]"""

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "lib"))
from vfpath_harness import telemetry  # noqa: E402

EAL = ["--no-huge", "-m", "1024", "--no-shconf", "--no-pci", "--log-level=lib.eal:error"]
MBUFS = "65536"  # at least the pcap's packets (net_pcap infinite_rx holds them) plus rings


def mbufs_for(flows):
    return str(max(65536, flows + 32768))


def make_pcap(path, flows):
    from scapy.all import IP, UDP, Ether, Raw, wrpcap
    wrpcap(path, [Ether(src="02:00:00:00:01:0a", dst="02:76:66:70:00:01") /
                  IP(src="10.0.1.10", dst=f"10.0.2.1{f % 4}") / UDP(sport=1024 + f // 4, dport=80) / Raw(b"\0" * 18)
                  for f in range(flows)])


def config(pcap):
    return {"generation": 1,
            "ports": [{"name": "a", "role": "ENI", "devargs": f"net_pcap0,rx_pcap={pcap},infinite_rx=1"},
                      {"name": "b", "role": "ENI", "devargs": "net_null0,no-rx=1"}],
            "vpcs": [{"id": "vpc-1", "cidrs": ["10.0.0.0/16"]}],
            "subnets": [{"id": "sn-1", "vpc": "vpc-1", "ipv4_cidr": "10.0.1.0/24"},
                        {"id": "sn-2", "vpc": "vpc-1", "ipv4_cidr": "10.0.2.0/24"}],
            "enis": [{"id": "vm1", "port": "a", "mac": "02:00:00:00:01:0a", "subnet": "sn-1", "ipv4": ["10.0.1.10"]},
                     {"id": "vm2", "port": "b", "mac": "02:00:00:00:02:0a", "subnet": "sn-2",
                      "ipv4": ["10.0.2.10", "10.0.2.11", "10.0.2.12", "10.0.2.13"]}]}


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_vfpathd(binary, tmp, seconds, prefix, idle_sleep_max_us="0", mbufs=MBUFS, config_dict=None, options=()):
    """Mpps out of port "b" over `seconds` after 1 s of warm-up; config_dict
    defaults to config() on tmp/flows.pcap (ports "a" in, "b" out)."""
    cfg = os.path.join(tmp, "config.json")
    with open(cfg, "w") as f:
        json.dump(config_dict or config(os.path.join(tmp, "flows.pcap")), f)
    proc = subprocess.Popen([binary, "--config", cfg, "--main-core", "0", "--worker-cores", "1",
                             "--idle-sleep-max-us", idle_sleep_max_us, "--mbufs", mbufs, "--control-socket", "", *options, "--", *EAL, "--file-prefix", prefix],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 20
        while True:
            try:
                telemetry(prefix, "/vfpath/stats")
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise RuntimeError("vfpathd did not start")
                time.sleep(0.1)
        time.sleep(1)  # warm-up
        t0, n0 = time.monotonic(), telemetry(prefix, "/vfpath/ports")["b"]["tx_packets"]
        time.sleep(seconds)
        t1, n1 = time.monotonic(), telemetry(prefix, "/vfpath/ports")["b"]["tx_packets"]
        return (n1 - n0) / (t1 - t0) / 1e6
    finally:
        stop(proc)
        shutil.rmtree(f"/var/run/dpdk/{prefix}", ignore_errors=True)


def run_testpmd(tmp, seconds, prefix, mbufs=MBUFS, pcap=None):
    """Median Mpps of testpmd io forwarding, pcap (default tmp/flows.pcap) to null."""
    cmd = ["dpdk-testpmd", "-l", "0,1", *EAL, "--file-prefix", prefix,
           "--vdev", f"net_pcap0,rx_pcap={pcap or os.path.join(tmp, 'flows.pcap')},infinite_rx=1", "--vdev", "net_null0,no-rx=1",
           "--", "--forward-mode=io", "--auto-start", "--stats-period", "1", "--nb-cores=1",
           f"--total-num-mbufs={mbufs}"]
    log = os.path.join(tmp, "testpmd.log")
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=out, stderr=subprocess.STDOUT)
        try:
            # Count from the first stats period with traffic: EAL start-up
            # takes seconds on a loaded machine.
            deadline = time.time() + 30
            while not re.search(r"Tx-pps:\s+[1-9]", open(log).read()) and time.time() < deadline \
                    and proc.poll() is None:
                time.sleep(0.2)
            time.sleep(seconds + 1.5)
        finally:
            stop(proc)
            shutil.rmtree(f"/var/run/dpdk/{prefix}", ignore_errors=True)
    # Per stats period: port 0 (rx) then port 1; the tx side of port 1 is what was forwarded.
    tx = [int(v) for v in re.findall(r"Tx-pps:\s+(\d+)", open(log).read())][1::2]
    busy = [v for v in tx if v > 0]
    if len(busy) > 1:
        busy = busy[1:]  # the first period is partial
    if not busy:
        raise RuntimeError("testpmd forwarded nothing:\n" + open(log).read()[-2000:])
    return statistics.median(busy) / 1e6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("vfpathd")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--flows", type=int, default=10000)
    ap.add_argument("--link-local-services", action="store_true")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="vfpath-bench-") as tmp:
        make_pcap(os.path.join(tmp, "flows.pcap"), a.flows)
        if a.link_local_services:
            on, off = [], []
            for r in range(a.runs):
                # Each pair in the other order than the last: no side always runs first.
                for side in (("on", "off") if r % 2 == 0 else ("off", "on")):
                    if side == "on":
                        on.append(run_vfpathd(os.path.abspath(a.vfpathd), tmp, a.seconds, f"vfb{os.getpid()}m{r}"))
                    else:
                        off.append(run_vfpathd(os.path.abspath(a.vfpathd), tmp, a.seconds, f"vfb{os.getpid()}n{r}",
                                               options=("--no-metadata", "--ra-interval-max", "0")))
                print(f"run {r + 1}: services on {on[-1]:.2f} Mpps, off {off[-1]:.2f} Mpps", flush=True)
            mon, moff = statistics.median(on), statistics.median(off)
            print(f"\n| {a.flows} flows, 64 B, 1 worker core | median Mpps | runs |\n|---|---|---|")
            print(f"| metadata service + periodic RAs (default) | {mon:.2f} | {', '.join(f'{x:.2f}' for x in on)} |")
            print(f"| --no-metadata --ra-interval-max 0 | {moff:.2f} | {', '.join(f'{x:.2f}' for x in off)} |")
            print(f"| ratio on / off | {mon / moff:.3f} | |")
            return
        ours, backoff, raw = [], [], []
        for r in range(a.runs):
            ours.append(run_vfpathd(os.path.abspath(a.vfpathd), tmp, a.seconds, f"vfb{os.getpid()}v{r}"))
            backoff.append(run_vfpathd(os.path.abspath(a.vfpathd), tmp, a.seconds, f"vfb{os.getpid()}b{r}", "200"))
            raw.append(run_testpmd(tmp, a.seconds, f"vfb{os.getpid()}t{r}"))
            print(f"run {r + 1}: vfpathd {ours[-1]:.2f} Mpps (with idle back-off {backoff[-1]:.2f}), "
                  f"testpmd io {raw[-1]:.2f} Mpps", flush=True)
        mo, mb, mr = statistics.median(ours), statistics.median(backoff), statistics.median(raw)
        print(f"\n| {a.flows} flows, 64 B, 1 worker core | median Mpps | runs |\n|---|---|---|")
        print(f"| vfpathd, pure polling | {mo:.2f} | {', '.join(f'{x:.2f}' for x in ours)} |")
        print(f"| vfpathd, default idle back-off | {mb:.2f} | {', '.join(f'{x:.2f}' for x in backoff)} |")
        print(f"| dpdk-testpmd io (no processing) | {mr:.2f} | {', '.join(f'{x:.2f}' for x in raw)} |")
        print(f"| ratio vfpathd / testpmd | {mo / mr:.2f} | |")


if __name__ == "__main__":
    main()
