#!/usr/bin/python3
"""vfpathd next to Open vSwitch-DPDK and dpdk-testpmd io on one core, in the
same run, alternating: the same pcap (bench/gen) replayed by net_pcap
(infinite_rx=1) in, net_null out, one polling core each (vfpathd
`--main-core 0 --worker-cores 1 --idle-sleep-max-us 0`; OVS one PMD thread
on core 1; testpmd `-l 0,1 --nb-cores=1`). Mpps from port counters over
--seconds after warm-up; medians of --runs; ratios vfpath/OVS and
vfpath/testpmd. Starts private daemons only and removes everything it made,
on failure and Ctrl-C too. A benchmark, never a test.

OVS profiles (bench/ovs/ovs_flows.py): forward (L2/L3 with MAC rewrite and
TTL), conntrack (+ ct(commit) stateful pipeline), conntrack-vxlan (+ VXLAN
encapsulation to an underlay bridge). Which vfpathd configuration each is
measured against: bench/ovs/vfpath_config.py (VFPATH_PROFILE, the hook).

usage: side_by_side.py [--vfpathd build/daemon/vfpathd] [--runs 3] [--seconds 4]
                       [--flows 10000 ...] [--profiles forward conntrack conntrack-vxlan]
                       [--traffic udp] [--size 64] [--ovs-smc]"""

import argparse
import os
import signal
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "gen"))
import forwarding_vs_testpmd as fwd  # noqa: E402
import gen  # noqa: E402
import ovs_flows  # noqa: E402
import vfpath_config  # noqa: E402
from ovs_instance import OvsDpdk, OvsUnavailable  # noqa: E402

# OVS's shared mempool holds 262,144 mbufs and net_pcap's infinite_rx keeps
# one per frame of the pcap, so larger pcaps cannot be replayed into OVS.
# (vfpathd and testpmd get 1 GB of EAL memory from forwarding_vs_testpmd.py,
# about 400K mbufs: the side by side is for up to 200K flows.)
OVS_MAX_FLOWS = 200000
TX_DEVARGS = "net_null0,no-rx=1"


def rx_devargs(pcap):
    return f"net_pcap0,rx_pcap={pcap},infinite_rx=1"


def run_ovs(profile, pcap, workdir, seconds, name, warmup=2.0, other_config=None):
    """One OVS-DPDK measurement: {"mpps", "pmd_cycles_per_packet", "stats"}."""
    os.makedirs(workdir)
    ovs = OvsDpdk(workdir, name, other_config=other_config)
    with ovs:
        ovs_flows.setup(ovs, profile, rx_devargs(pcap), TX_DEVARGS)
        deadline = time.time() + 15
        while ovs_flows.tx_packets(ovs) == 0:
            if time.time() > deadline:
                raise RuntimeError(f"OVS profile {profile} forwarded nothing:\n"
                                   f"{ovs.appctl('dpctl/dump-flows')}\n{ovs.log_tail()}")
            time.sleep(0.2)
        time.sleep(warmup)
        ovs.appctl("dpif-netdev/pmd-stats-clear")
        t0, n0 = time.monotonic(), ovs_flows.tx_packets(ovs)
        time.sleep(seconds)
        t1, n1 = time.monotonic(), ovs_flows.tx_packets(ovs)
        stats = ovs_flows.pmd_stats(ovs)
    gone = ovs.leftovers()
    if gone:
        raise RuntimeError(f"OVS left behind: {', '.join(gone)}")
    return {"mpps": (n1 - n0) / (t1 - t0) / 1e6,
            "pmd_cycles_per_packet": stats.get("avg processing cycles per packet", float("nan")),
            "stats": stats}


def compare(vfpathd, flows, runs, seconds, profiles, traffic="udp", size="64", log=print, ovs_other_config=None):
    """Alternating runs at one flow count. Returns a dict with the per-run
    figures (Mpps) of each side, their medians and the ratios.
    ovs_other_config: OVS tuning beyond its defaults (None = defaults)."""
    res = {"flows": flows, "traffic": traffic, "size": size, "runs": runs, "seconds": seconds,
           "vfpath": {}, "ovs": {p: [] for p in profiles}, "ovs_pmd_cycles": {p: [] for p in profiles},
           "testpmd": [], "vfpath_for": {p: vfpath_config.VFPATH_PROFILE[p] for p in profiles}, "notes": [],
           "load": [os.getloadavg()[0]]}  # 1-minute load average before and after: how shared the machine was
    ovs_ok = flows <= OVS_MAX_FLOWS
    if not ovs_ok:
        res["notes"].append(f"OVS not run at {flows} flows: its 262,144-mbuf pool cannot hold the replayed pcap")
    with tempfile.TemporaryDirectory(prefix="vfpath-ovs-") as tmp:
        pcap = os.path.join(tmp, "flows.pcap")
        gen.write_profile(pcap, traffic, flows, size)
        mbufs = fwd.mbufs_for(flows)
        tag = f"{os.getpid() % 100000}"
        for r in range(runs):
            line = []
            # vfpathd "forward" always (the baseline of every ratio), then
            # whatever other vfpathd profiles the OVS profiles map to.
            for j, name in enumerate(dict.fromkeys(["forward", *res["vfpath_for"].values()])):
                cfg = vfpath_config.vfpath_config(name, rx_devargs(pcap), TX_DEVARGS)
                mpps = fwd.run_vfpathd(os.path.abspath(vfpathd), tmp, seconds, f"vfs{tag}v{r}p{j}", mbufs=mbufs,
                                       config_dict=cfg)
                res["vfpath"].setdefault(name, []).append(mpps)
                line.append(f"vfpathd {name} {mpps:.2f}")
            for i, p in enumerate(profiles if ovs_ok else []):
                try:
                    m = run_ovs(p, pcap, os.path.join(tmp, f"ovs-{r}-{i}"), seconds, f"vfo{tag}r{r}p{i}",
                                other_config=ovs_other_config)
                except OvsUnavailable as e:
                    res["notes"].append(f"OVS-DPDK unavailable: {e}")
                    ovs_ok = False
                    break
                res["ovs"][p].append(m["mpps"])
                res["ovs_pmd_cycles"][p].append(m["pmd_cycles_per_packet"])
                line.append(f"OVS {p} {m['mpps']:.2f}")
            res["testpmd"].append(fwd.run_testpmd(tmp, seconds, f"vfs{tag}t{r}", mbufs=mbufs, pcap=pcap))
            line.append(f"testpmd io {res['testpmd'][-1]:.2f}")
            log(f"{flows} flows, run {r + 1}: " + ", ".join(line) + " Mpps", flush=True)
    res["load"].append(os.getloadavg()[0])
    med = lambda xs: statistics.median(xs) if xs else float("nan")  # noqa: E731
    res["median"] = {"testpmd": med(res["testpmd"]),
                     **{f"vfpath:{k}": med(v) for k, v in res["vfpath"].items()},
                     **{f"ovs:{k}": med(v) for k, v in res["ovs"].items()}}
    res["median_pmd_cycles"] = {k: med(v) for k, v in res["ovs_pmd_cycles"].items()}
    return res


def summary(res):
    """One row per side of a compare() result: (label, median Mpps, runs,
    vfpathd/this, this/testpmd io). vfpathd/this compares an OVS profile
    with the vfpathd profile VFPATH_PROFILE maps it to."""
    m, tp = res["median"], res["median"]["testpmd"]
    rows = [(f"vfpathd `{name}`", m[f"vfpath:{name}"], runs, 1.0, m[f"vfpath:{name}"] / tp)
            for name, runs in res["vfpath"].items()]
    for p, runs in res["ovs"].items():
        if runs:
            ours = m[f"vfpath:{res['vfpath_for'][p]}"]
            rows.append((f"OVS-DPDK `{p}` (vs vfpathd `{res['vfpath_for'][p]}`)", m[f"ovs:{p}"], runs,
                         ours / m[f"ovs:{p}"], m[f"ovs:{p}"] / tp))
    best = max(v for k, v in m.items() if k.startswith("vfpath:"))
    rows.append(("dpdk-testpmd io (no processing)", tp, res["testpmd"], best / tp, 1.0))
    return rows


def table(res):
    """Markdown rows for one compare() result."""
    size = f"{res['size']} B" if res["size"].isdigit() else res["size"]
    out = [f"| side ({res['flows']} flows, {res['traffic']}, {size}) | median Mpps | runs | "
           "vfpathd / this | this / testpmd io |", "|---|---|---|---|---|"]
    for label, med, runs, vs_ours, vs_raw in summary(res):
        out.append(f"| {label} | {med:.2f} | {', '.join(f'{x:.2f}' for x in runs)} | {vs_ours:.2f} | {vs_raw:.2f} |")
    return out


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("side_by_side: terminated"))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vfpathd", default=os.path.join(HERE, "..", "..", "build", "dataplane", "daemon", "vfpathd"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=4)
    ap.add_argument("--flows", type=int, nargs="+", default=[10000])
    ap.add_argument("--profiles", nargs="+", choices=ovs_flows.PROFILES, default=list(ovs_flows.PROFILES))
    ap.add_argument("--traffic", choices=gen.PROFILES, default="udp")
    ap.add_argument("--size", choices=gen.SIZES, default="64")
    ap.add_argument("--ovs-smc", action="store_true",
                    help="enable OVS's signature match cache (off by default in OVS) for many-flow runs")
    a = ap.parse_args()
    tuning = {"smc-enable": "true"} if a.ovs_smc else None
    for flows in a.flows:
        res = compare(a.vfpathd, flows, a.runs, a.seconds, a.profiles, a.traffic, a.size, ovs_other_config=tuning)
        print("\n" + "\n".join(table(res)) + ("\n(OVS with smc-enable=true)" if a.ovs_smc else ""))
        for p in a.profiles:
            if res["ovs"][p]:
                print(f"OVS {p}: PMD processing cycles/packet (median) {res['median_pmd_cycles'][p]:.0f}")
        for n in res["notes"]:
            print(f"note: {n}")
        print(f"load average (1 min) before / after: {res['load'][0]:.2f} / {res['load'][1]:.2f} "
              f"on {os.cpu_count()} CPUs")
        print()


if __name__ == "__main__":
    main()
