#!/usr/bin/python3
"""One command for the figures: runs the benchmarks side by side and writes
bench/results/<date>.md with tables and PNG plots (forwarding Mpps vs number
of flows for vfpathd, Open vSwitch-DPDK and dpdk-testpmd io, alternating in
one run; classification Mpps vs number of rules; cycles per pipeline stage),
with the machine's CPU model and clock. A benchmark, never a test; about 10
minutes with the defaults, 3 with `--runs 1 --seconds 2 --flows 10000`.

usage: bench/report.py BUILD_DIR [--runs 3] [--seconds 4] [--flows 1000 10000 100000]
                       [--ovs-profiles forward conntrack conntrack-vxlan | --no-ovs]
                       [--shared ../shared]"""

import argparse
import datetime
import json
import math
import os
import platform
import re
import signal
import subprocess
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "ovs"))
import ovs_flows  # noqa: E402
import side_by_side as sbs  # noqa: E402


def machine():
    model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    mhz = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("cpu MHz")), "?")
    flags = next((l for l in open("/proc/cpuinfo") if l.startswith("flags")), "")
    simd = ", ".join(f for f in ("avx512f", "avx2", "sse4_2") if f" {f}" in flags)
    return f"{os.cpu_count()} × {model} at {mhz} MHz ({simd}); Linux {platform.release()}"


def forwarding(build, runs, seconds, flow_counts, ovs_profiles):
    """bench/ovs/side_by_side.py's compare() at each flow count."""
    return [sbs.compare(os.path.join(build, "daemon/vfpathd"), flows, runs, seconds, ovs_profiles)
            for flows in flow_counts]


def classification(build, shared):
    sets = [("acl 1K", "cutsplit/acl_1k", "cutsplit/acl_1k_trace"),
            ("acl 10K", "cutsplit/acl_10k", "cutsplit/acl_10k_trace"),
            ("acl1 100K", "generated_100K/acl1_100K.gz", "generated_100K/acl1_100K_trace.gz"),
            ("fw 1K", "cutsplit/fw_1k", "cutsplit/fw_1k_trace"),
            ("fw 10K", "cutsplit/fw_10k", "cutsplit/fw_10k_trace"),
            ("fw1 100K", "generated_100K/fw1_100K.gz", "generated_100K/fw1_100K_trace.gz")]
    rows = []
    for name, rules, trace in sets:
        base = os.path.join(shared, "data", "classbench")
        out = subprocess.run([os.path.join(build, "acl/vfpath-classify"), "--rules", os.path.join(base, rules),
                              "--trace", os.path.join(base, trace), "--passes", "5"],
                             capture_output=True, text=True, timeout=600).stdout
        n = int(re.search(r"rules: (\d+)", out).group(1))
        mpps = float(re.search(r"classify: ([\d.]+) Mpps", out).group(1))
        cycles = float(re.search(r"([\d.]+) cycles/packet", out).group(1))
        build_ms = float(re.search(r"build: ([\d.]+) ms", out).group(1))
        rows.append((name, n, mpps, cycles, build_ms))
        print(f"classify {name}: {mpps} Mpps", flush=True)
    return rows


def stages(build):
    out = subprocess.run([os.path.join(build, "bench/dataplane/pipeline_bench"), "--benchmark_repetitions=5",
                          "--benchmark_report_aggregates_only=true", "--benchmark_format=json"],
                         capture_output=True, text=True, timeout=600).stdout
    med = {b["run_name"]: b["cycles/pkt"] for b in json.loads(out)["benchmarks"]
           if b.get("aggregate_name") == "median" and "cycles/pkt" in b}
    chain = [("parse", "BM_Stage_Parse"), ("ENI + MAC check", "BM_Stages_ParseEni"),
             ("ARP/ND + IP anti-spoof", "BM_Stages_UpToAntiSpoof"), ("route + TTL", "BM_Stages_UpToRoute"),
             ("SG (untracked) + L2 rewrite", "BM_Pipeline_Untracked")]
    rows, before = [], 0.0
    for label, name in chain:
        total = med[name]
        rows.append((label, max(0.0, total - before)))
        before = total
    rows.append(("two 20-entry NACLs", med["BM_Stage_NaclTwo20"]))
    # Connection tracking, next to the untracked pipeline it is added to.
    for label, name in (("conntrack, 10K established", "BM_Pipeline_Tracked10K"),
                        ("conntrack, 1M established", "BM_Pipeline_Tracked1M"),
                        ("conntrack, new connection", "BM_Pipeline_NewConnections")):
        rows.append((label, max(0.0, med[name] - med["BM_Pipeline_Untracked"])))
    return rows, med


def plot(path, kind, xs, series, xlabel, ylabel, title, logx=False, logy=False):
    plt.figure(figsize=(6, 3.6))
    if kind == "bar":
        plt.bar(xs, series[0][1], color="#4477aa")
        plt.xticks(rotation=20, ha="right")
    else:
        for label, ys in series:
            plt.plot(xs, ys, marker="o", label=label)
        plt.legend(fontsize=7)
    if logx:
        plt.xscale("log")
    if logy:
        plt.yscale("log")
    plt.xlabel(xlabel)
    plt.ylabel(ylabel)
    plt.title(title)
    plt.grid(alpha=0.3)
    plt.tight_layout()
    plt.savefig(path, dpi=110)
    plt.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=4)
    ap.add_argument("--shared", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared"))
    ap.add_argument("--flows", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--ovs-profiles", nargs="+", choices=ovs_flows.PROFILES, default=list(ovs_flows.PROFILES))
    ap.add_argument("--no-ovs", action="store_true", help="vfpathd and testpmd only")
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("report: terminated"))
    day = datetime.date.today().isoformat()
    outdir = os.path.join(os.path.dirname(__file__), "results")
    os.makedirs(outdir, exist_ok=True)

    fw = forwarding(a.build, a.runs, a.seconds, a.flows, [] if a.no_ovs else a.ovs_profiles)
    cl = classification(a.build, a.shared)
    st, med = stages(a.build)

    sides = [("vfpathd forward", "vfpath:forward"), ("vfpathd conntrack", "vfpath:conntrack"),
             *[(f"OVS-DPDK {p}", f"ovs:{p}") for p in a.ovs_profiles],
             ("dpdk-testpmd io", "testpmd")]
    sides = [(label, key) for label, key in sides if not any(math.isnan(r["median"].get(key, math.nan)) for r in fw)]
    plot(f"{outdir}/{day}-mpps-vs-flows.png", "line", [r["flows"] for r in fw],
         [(label, [r["median"][key] for r in fw]) for label, key in sides],
         "flows", "Mpps (log scale)", "64-byte UDP, net_pcap in, net_null out, one core", logx=True, logy=True)
    plt.figure(figsize=(6, 3.6))
    for family in ("acl", "fw"):
        pts = [r for r in cl if r[0].startswith(family)]
        plt.plot([r[1] for r in pts], [r[2] for r in pts], marker="o", label=f"{family} sets")
    plt.xscale("log")
    plt.xlabel("rules")
    plt.ylabel("Mpps (burst 32, best method)")
    plt.title("ClassBench classification, one core")
    plt.grid(alpha=0.3)
    plt.legend()
    plt.tight_layout()
    plt.savefig(f"{outdir}/{day}-mpps-vs-rules.png", dpi=110)
    plt.close()
    plot(f"{outdir}/{day}-cycles-per-stage.png", "bar", [r[0] for r in st], [("", [r[1] for r in st])],
         "", "cycles / packet", "Pipeline stages, 64-byte IPv4, 10K flows")

    md = [f"# vfpath benchmark report, {day}", "", f"Machine: {machine()}.", "",
          f"Command: `{' '.join(['bench/report.py', *sys.argv[1:]])}`; medians of {a.runs} runs.", "",
          "## Forwarding, one core each: vfpathd, Open vSwitch-DPDK, dpdk-testpmd io", "",
          "Alternating in one run on the same vdevs (`bench/ovs/side_by_side.py`): net_pcap "
          "(`infinite_rx=1`, 64-byte UDP frames from `bench/gen`, one per flow) in, net_null out. "
          "cycles/packet = clock / Mpps on the one polling core, I/O included. vfpathd / this compares "
          "each OVS profile with the vfpathd profile `bench/ovs/vfpath_config.py` maps it to: vfpathd "
          "`forward` (all-open security groups, untracked) with OVS `forward`, vfpathd `conntrack` "
          "(a stateful group, every packet tracked in both ENIs' zones) with OVS `conntrack`, vfpathd "
          "`conntrack-vxlan` (vm2 remote behind a VXLAN mapping: tracked in vm1's zone, encapsulated, "
          "out the uplink) with OVS `conntrack-vxlan` (`bench/ovs/README.md`).", "",
          "| flows | side | median Mpps | cycles/packet | vfpathd / this | this / testpmd io |",
          "|---|---|---|---|---|---|"]
    tsc = next((float(l.split(":")[1]) for l in open("/proc/cpuinfo") if l.startswith("cpu MHz")), 2600.0)
    for res in fw:
        for label, mpps, _, vs_ours, vs_raw in sbs.summary(res):
            md.append(f"| {res['flows']} | {label} | {mpps:.2f} | {tsc / mpps:.0f} | {vs_ours:.2f} | {vs_raw:.2f} |")
    notes = sorted({n for res in fw for n in res["notes"]})
    md += [""] + [f"Note: {n}." for n in notes]
    md += ["", "Load average (1 min) before / after each flow count, on "
           f"{os.cpu_count()} CPUs: " + ", ".join(f"{r['flows']} flows {r['load'][0]:.1f} / {r['load'][1]:.1f}"
                                                for r in fw) + " (above ~0.5 the machine was shared)."]
    md += ["", f"![Mpps vs flows]({day}-mpps-vs-flows.png)", "",
           "## Classification (ClassBench, `vfpath-classify`, best method, burst 32)", "",
           "| set | rules | Mpps | cycles/packet | build |", "|---|---|---|---|---|"]
    for name, n, mpps, cycles, build_ms in cl:
        md.append(f"| {name} | {n} | {mpps:.2f} | {cycles:.0f} | {build_ms / 1000:.2f} s |")
    md += ["", f"![Mpps vs rules]({day}-mpps-vs-rules.png)", "",
           "## Pipeline stages (cycles per packet, `pipeline_bench`, medians of 5)", "",
           "| stage | cycles/packet |", "|---|---|"]
    for label, c in st:
        md.append(f"| {label} | {c:.0f} |")
    md += [f"| whole pipeline, untracked (all-open groups), no NACL | {med['BM_Pipeline_Untracked']:.0f} |",
           f"| whole pipeline, 10K tracked connections (default group) | {med['BM_Pipeline_Tracked10K']:.0f} |", "",
           "Conntrack rows: the tracked pipeline minus the untracked one (both ENIs' zones, as vfpathd "
           "tracks a connection between two local ENIs twice).", "",
           f"![cycles per stage]({day}-cycles-per-stage.png)"]
    with open(f"{outdir}/{day}.md", "w") as f:
        f.write("\n".join(md) + "\n")
    print(f"wrote {outdir}/{day}.md")


if __name__ == "__main__":
    main()
