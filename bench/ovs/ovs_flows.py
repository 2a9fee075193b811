"""The OVS side of each side-by-side profile: bridges, DPDK ports and the
OpenFlow rules that do what vfpathd does for vm1 -> vm2 (bench/ovs/README.md
says what is equivalent and what is not). Ports: `in0` (net_pcap,
infinite_rx) and `out0` (net_null), the vdevs bench/forwarding_vs_testpmd.py
gives vfpathd and testpmd.

Tables, the same in every profile:
  0  anti-spoofing: vm1's port, MAC and source address, sent to the router MAC
  1  connection tracking (conntrack profiles only): the standard stateful
     pipeline, ct(commit) for new connections, +est passes, the rest drops
  2  routing: one rule per vm2 address; MAC rewrite, TTL/hop-limit decrement,
     out to out0 (or to the VXLAN port)"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "gen"))
import topology as topo  # noqa: E402

PROFILES = ("forward", "conntrack", "conntrack-vxlan")
IN_PORT, OUT_PORT, VXLAN_PORT, PHY_PORT = 1, 2, 3, 1  # ofport numbers we request
ZONE = 1


def _anti_spoof(next_action):
    return [f"table=0,priority=100,in_port={IN_PORT},ip,dl_src={topo.VM1_MAC},dl_dst={topo.ROUTER_MAC},"
            f"nw_src={topo.VM1_V4},actions={next_action}",
            f"table=0,priority=100,in_port={IN_PORT},ipv6,dl_src={topo.VM1_MAC},dl_dst={topo.ROUTER_MAC},"
            f"ipv6_src={topo.VM1_V6},actions={next_action}",
            "table=0,priority=0,actions=drop"]


def _conntrack():
    return [f"table=1,priority=100,ct_state=+trk+new,ip,actions=ct(commit,zone={ZONE}),resubmit(,2)",
            f"table=1,priority=100,ct_state=+trk+new,ipv6,actions=ct(commit,zone={ZONE}),resubmit(,2)",
            "table=1,priority=100,ct_state=+trk+est,actions=resubmit(,2)",
            "table=1,priority=0,actions=drop"]  # +inv and anything untracked


def _route(out_port):
    rewrite = f"mod_dl_src:{topo.ROUTER_MAC},mod_dl_dst:{topo.VM2_MAC},dec_ttl,output:{out_port}"
    return ([f"table=2,priority=100,ip,nw_dst={a},actions={rewrite}" for a in topo.VM2_V4] +
            [f"table=2,priority=100,ipv6,ipv6_dst={a},actions={rewrite}" for a in topo.VM2_V6] +
            ["table=2,priority=0,actions=drop"])


def _dpdk_port(bridge, name, devargs, ofport):
    return ["--", "add-port", bridge, name, "--", "set", "Interface", name, "type=dpdk",
            f"options:dpdk-devargs={devargs}", f"ofport_request={ofport}"]


def _add_flows(ovs, bridge, flows):
    path = os.path.join(ovs.dir, f"{bridge}.flows")
    with open(path, "w") as f:
        f.write("\n".join(flows) + "\n")
    ovs.ofctl("del-flows", bridge)
    ovs.ofctl("add-flows", bridge, path)


def _wait_for_route(ovs, address, bridge, seconds=15):
    """OVS learns the kernel's connected route of br-phy (in its namespace)
    over netlink, a moment after the address is set; tunnelled packets are
    dropped until then."""
    deadline = time.time() + seconds
    while True:
        try:
            if bridge in ovs.appctl("ovs/route/lookup", address):
                return
        except RuntimeError:
            pass
        if time.time() > deadline:
            raise RuntimeError(f"OVS has no route to {address} via {bridge}:\n{ovs.appctl('ovs/route/show')}")
        time.sleep(0.1)


def setup(ovs, profile, rx_devargs, tx_devargs):
    """Builds the profile on a started OvsDpdk; raises OvsError with OVS's
    own message if a port does not come up."""
    if profile not in PROFILES:
        raise ValueError(f"unknown OVS profile {profile!r}; one of {', '.join(PROFILES)}")
    vxlan = profile == "conntrack-vxlan"
    first = f"ct(table=1,zone={ZONE})" if profile.startswith("conntrack") else "resubmit(,2)"
    tenant = ["--", "add-br", "br-int", "--", "set", "bridge", "br-int", "datapath_type=netdev",
              "fail_mode=secure", *_dpdk_port("br-int", "in0", rx_devargs, IN_PORT)]
    if not vxlan:
        ovs.vsctl(*tenant, *_dpdk_port("br-int", "out0", tx_devargs, OUT_PORT))
        _add_flows(ovs, "br-int", _anti_spoof(first) + _conntrack() + _route(OUT_PORT))
    else:
        # Userspace (native) tunnelling: the VXLAN port on br-int, the
        # underlay on br-phy whose internal port owns the local address; OVS
        # routes the outer packet by its own route table and neighbour cache.
        ovs.vsctl(*tenant, "--", "add-port", "br-int", "vxlan0", "--", "set", "Interface", "vxlan0", "type=vxlan",
                  f"options:remote_ip={topo.UNDERLAY_REMOTE}", f"options:key={topo.VNI}",
                  f"ofport_request={VXLAN_PORT}",
                  "--", "add-br", "br-phy", "--", "set", "bridge", "br-phy", "datapath_type=netdev",
                  "fail_mode=secure", *_dpdk_port("br-phy", "out0", tx_devargs, PHY_PORT))
        ovs.in_netns("ip", "addr", "add", f"{topo.UNDERLAY_LOCAL}/24", "dev", "br-phy")
        ovs.in_netns("ip", "link", "set", "br-phy", "up")
        _wait_for_route(ovs, topo.UNDERLAY_REMOTE, "br-phy")
        ovs.appctl("tnl/neigh/set", "br-phy", topo.UNDERLAY_REMOTE, topo.UNDERLAY_REMOTE_MAC)
        _add_flows(ovs, "br-int", _anti_spoof(first) + _conntrack() + _route(VXLAN_PORT))
        _add_flows(ovs, "br-phy", [f"priority=100,in_port=LOCAL,actions=output:{PHY_PORT}", "priority=0,actions=drop"])
    for port in ("in0", "out0"):
        err = ovs.vsctl("get", "Interface", port, "error").strip()
        if err not in ("[]", '""'):
            raise RuntimeError(f"OVS port {port}: {err}\n{ovs.log_tail()}")


def tx_packets(ovs, port="out0"):
    """Live tx counter of a port from the datapath (the database copy is
    refreshed only every 5 s)."""
    lines = ovs.appctl("dpctl/show", "-s").splitlines()
    for i, line in enumerate(lines):
        if line.strip().startswith("port ") and line.split(":")[1].split()[0] == port:
            for follow in lines[i + 1:i + 4]:
                if "TX packets:" in follow:
                    return int(follow.split("TX packets:")[1].split()[0])
    raise RuntimeError(f"port {port} not in dpctl/show")


def pmd_stats(ovs):
    """The PMD thread's counters since the last pmd-stats-clear, as a dict
    of the lines of `dpif-netdev/pmd-stats-show` (numbers as floats)."""
    out = {}
    for line in ovs.appctl("dpif-netdev/pmd-stats-show").split("main thread:")[0].splitlines():
        if ":" in line and not line.startswith("pmd thread"):
            key, value = line.rsplit(":", 1) if line.count(":") == 1 else line.split(":", 1)
            try:
                out[key.strip()] = float(value.split()[0])
            except (ValueError, IndexError):
                pass
    return out
