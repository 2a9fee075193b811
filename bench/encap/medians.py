#!/usr/bin/python3
"""Median per benchmark over several Google Benchmark JSON outputs.

Usage: medians.py run1.json run2.json run3.json
Prints, per benchmark, the median CPU ns per packet and TSC cycles per packet
(the "cycles" counter of encap_bench), in the order the benchmarks ran.
"""
import json
import statistics
import sys

runs = [json.load(open(path))["benchmarks"] for path in sys.argv[1:]]
names = [b["name"] for b in runs[0]]
print(f"{'benchmark':58} {'ns/pkt':>8} {'cycles/pkt':>10}")
for name in names:
    rows = [b for run in runs for b in run if b["name"] == name]
    ns = statistics.median(b["cpu_time"] / 32 for b in rows)  # a burst of 32 per iteration
    cycles = statistics.median(b["cycles"] for b in rows)
    print(f"{name:58} {ns:8.1f} {cycles:10.1f}")
