#!/usr/bin/env python3
"""Turns run_bench.sh output into the markdown tables of bench/acl/README.md.
Usage: summarize.py OUT_DIR   (reads acl_bench*.json and dpdk_test_acl.txt;
a later json file overrides an earlier one's entries of the same name)"""
import glob
import json
import re
import sys
from collections import defaultdict

out_dir = sys.argv[1]
bench = []
for path in sorted(glob.glob(f"{out_dir}/acl_bench*.json")):
    with open(path) as f:
        bench += json.load(f)["benchmarks"]

med = {}
for b in bench:
    if b.get("aggregate_name") != "median":
        continue
    med[b["run_name"]] = b

sets = ["acl_1k", "fw_1k", "acl_10k", "fw_10k", "acl1_100k", "fw1_100k"]
methods = ["avx512x32", "avx512x16", "avx2", "sse", "scalar"]
bursts = [1, 8, 32, 64]

print("### Build time and rte_acl memory (median of 3 builds)\n")
print("| set | rules | build ms | MiB |")
print("|---|---|---|---|")
for s in sets:
    for suffix, label in (("", ""), ("/shards:4", " (4 shards)")):
        b = med.get(f"build/{s}{suffix}/iterations:1")
        if b:
            print(f"| {s}{label} | {int(b['rules'])} | {b['build_ms']:.0f} | {b['MiB']:.1f} |")

print("\n### Classification, Mpps / cycles per packet (median of 3)\n")
for s in sets:
    print(f"\n**{s}**\n")
    print("| method | " + " | ".join(f"burst {n}" for n in bursts) + " |")
    print("|---|" + "---|" * len(bursts))
    for m in methods:
        cells = []
        for n in bursts:
            b = med.get(f"classify/{s}/{m}/burst:{n}")
            cells.append(f"{b['Mpps']:.2f} / {b['cycles/pkt']:.0f}" if b else "-")
        print(f"| {m} | " + " | ".join(cells) + " |")
    for m in methods:
        row = [med.get(f"classify/{s}/shards:4/{m}/burst:{n}") for n in bursts]
        if any(row):
            cells = [f"{b['Mpps']:.2f} / {b['cycles/pkt']:.0f}" if b else "-" for b in row]
            print(f"| {m}, 4 shards | " + " | ".join(cells) + " |")
    b = med.get(f"linear/{s}/burst:32")
    if b:
        print(f"| linear scan (baseline) | | | {b['Mpps']:.3f} / {b['cycles/pkt']:.0f} | |")

dta = defaultdict(dict)
try:
    with open(f"{out_dir}/dpdk_test_acl.txt") as f:
        for line in f:
            m = re.match(r"dpdk-test-acl (\S+) (\S+) tracestep=(\d+) cycles/pkt median=(\S+)", line)
            if m:
                dta[(m.group(1), m.group(2))][int(m.group(3))] = m.group(4)
except FileNotFoundError:
    pass
if dta:
    print("\n### dpdk-test-acl on the same files, cycles per packet (median of 3 runs)\n")
    print("| set | method | tracestep 1 | tracestep 32 | tracestep 64 | ours, burst 32 |")
    print("|---|---|---|---|---|---|")
    for s in sets:
        for m in methods:
            row = dta.get((s, m))
            if not row:
                continue
            ours = med.get(f"classify/{s}/{m}/burst:32")
            ours_c = f"{ours['cycles/pkt']:.0f}" if ours else "-"
            print(f"| {s} | {m} | {row.get(1, '-')} | {row.get(32, '-')} | {row.get(64, '-')} | {ours_c} |")
