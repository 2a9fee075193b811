#!/usr/bin/python3
"""bench-smoke: the OVS side-by-side harness starts a private OVS-DPDK,
builds the most involved profile (conntrack + VXLAN), sees packets leave,
and leaves nothing behind — also when a setup step fails half-way. Not a
benchmark: no figure is checked. Exit 77 (skipped) when OVS-DPDK cannot
start on this machine.

usage: smoke_test.py   (--hold WORKDIR NAME: the child of the Ctrl-C case)"""

import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "gen"))
import gen  # noqa: E402
import ovs_flows  # noqa: E402
from ovs_instance import OvsDpdk, OvsError, OvsUnavailable  # noqa: E402

signal.signal(signal.SIGTERM, lambda *_: sys.exit("smoke_test: terminated"))
SKIP = 77


def nothing_left(ovs, pids):
    left = ovs.leftovers()
    alive = [p for p in pids if subprocess.run(["kill", "-0", str(p)], capture_output=True).returncode == 0]
    assert not left and not alive, f"left behind: {left} processes {alive}"


def case_forwards_and_cleans_up(tmp, pcap):
    """conntrack-vxlan comes up, forwards, and stop() removes everything."""
    os.makedirs(f"{tmp}/ok")
    ovs = OvsDpdk(f"{tmp}/ok", f"vfsmoke{os.getpid() % 10000}a", memory_mb=1024)
    with ovs:
        pids = [ovs.ovsdb.pid, ovs.vswitchd.pid]
        ovs_flows.setup(ovs, "conntrack-vxlan", f"net_pcap0,rx_pcap={pcap},infinite_rx=1", "net_null0,no-rx=1")
        deadline = time.time() + 15
        while ovs_flows.tx_packets(ovs) == 0:
            assert time.time() < deadline, "no packet left OVS in 15 s:\n" + ovs.appctl("dpctl/dump-flows")
            time.sleep(0.2)
        assert "tnl_push" in ovs.appctl("dpctl/dump-flows"), "VXLAN profile does not encapsulate"
    nothing_left(ovs, pids)


def case_failed_setup_cleans_up(tmp):
    """A port that cannot come up (missing pcap) raises, and still nothing stays."""
    os.makedirs(f"{tmp}/bad")
    ovs = OvsDpdk(f"{tmp}/bad", f"vfsmoke{os.getpid() % 10000}b", memory_mb=1024)
    pids, failed = [], False
    try:
        with ovs:
            pids = [ovs.ovsdb.pid, ovs.vswitchd.pid]
            ovs_flows.setup(ovs, "forward", f"net_pcap0,rx_pcap={tmp}/missing.pcap,infinite_rx=1", "net_null0,no-rx=1")
    except (OvsError, RuntimeError):
        failed = True
    assert failed, "setup with a missing pcap did not fail"
    nothing_left(ovs, pids)


def hold(workdir, name):
    """Child of case_interrupted: start OVS, print the PIDs, wait for Ctrl-C."""
    try:
        with OvsDpdk(workdir, name, memory_mb=1024) as ovs:
            print(ovs.ovsdb.pid, ovs.vswitchd.pid, flush=True)
            time.sleep(60)
    except KeyboardInterrupt:
        pass  # the with-block has cleaned up; that is what the parent checks


def case_interrupted_cleans_up(tmp):
    """Ctrl-C (SIGINT) while OVS runs: the harness still stops and removes all."""
    os.makedirs(f"{tmp}/int")
    name = f"vfsmoke{os.getpid() % 10000}c"
    child = subprocess.Popen([sys.executable, __file__, "--hold", f"{tmp}/int", name], stdout=subprocess.PIPE, text=True)
    pids = [int(p) for p in child.stdout.readline().split()]
    assert len(pids) == 2, "the child did not start OVS"
    child.send_signal(signal.SIGINT)
    child.wait(timeout=30)
    nothing_left(OvsDpdk(f"{tmp}/int", name), pids)


def main():
    if (os.cpu_count() or 1) < 2:
        print("SKIP: the harness puts OVS's PMD thread on core 1; this machine has one core")
        return SKIP
    with tempfile.TemporaryDirectory(prefix="vfpath-ovs-smoke-") as tmp:
        pcap = os.path.join(tmp, "flows.pcap")
        gen.write_profile(pcap, "udp", 100)
        try:
            case_forwards_and_cleans_up(tmp, pcap)
        except OvsUnavailable as e:
            print(f"SKIP: Open vSwitch-DPDK cannot start here: {e}")
            return SKIP
        print("ok: conntrack-vxlan forwards; nothing left after stop")
        case_failed_setup_cleans_up(tmp)
        print("ok: a failed setup leaves nothing behind")
        case_interrupted_cleans_up(tmp)
        print("ok: Ctrl-C leaves nothing behind")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--hold"]:
        hold(sys.argv[2], sys.argv[3])
    else:
        sys.exit(main())
