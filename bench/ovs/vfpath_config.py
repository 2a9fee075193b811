"""vfpathd's configuration for each side-by-side profile: one function per
profile over the addresses of bench/gen/topology.py, so the JSON of a new
feature is added in one place.

Since security groups and connection tracking are in vfpathd's pipeline, an
ENI that names no group is in its VPC's default group, which is stateful:
every packet is tracked, in the sender's and in the receiver's zone. So:
  forward    all-open groups both ways, which AWS leaves untracked: the
             stateless pipeline, like for like with OVS `forward`;
  conntrack  a stateful group admitting vm1 -> vm2 (every packet tracked in
             both ENIs' zones), like for like with OVS `conntrack`;
  conntrack-vxlan  vm2 remote behind a VXLAN mapping (tracked in vm1's zone,
             encapsulated), like for like with OVS `conntrack-vxlan`.
VFPATH_PROFILE says which vfpathd profile each OVS profile is measured
against."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "gen"))
import topology as topo  # noqa: E402

# OVS profile -> the vfpathd profile it is measured against.
VFPATH_PROFILE = {"forward": "forward", "conntrack": "conntrack", "conntrack-vxlan": "conntrack-vxlan"}

_ANYWHERE = ["0.0.0.0/0", "::/0"]


def _topology(rx_devargs, tx_devargs):
    """vm1 on the rx port, vm2 (four addresses per family) on the tx port,
    in two subnets of one VPC; no security group named (= the default group)."""
    return {"generation": 1,
            "router": {"mac": topo.ROUTER_MAC},
            "ports": [{"name": "a", "role": "ENI", "devargs": rx_devargs},
                      {"name": "b", "role": "ENI", "devargs": tx_devargs}],
            "vpcs": [{"id": "vpc-1", "cidrs": topo.VPC_CIDRS}],
            "subnets": [{"id": "sn-1", "vpc": "vpc-1", "ipv4_cidr": topo.SUBNET1_V4, "ipv6_cidr": topo.SUBNET1_V6},
                        {"id": "sn-2", "vpc": "vpc-1", "ipv4_cidr": topo.SUBNET2_V4, "ipv6_cidr": topo.SUBNET2_V6}],
            "enis": [{"id": "vm1", "port": "a", "mac": topo.VM1_MAC, "subnet": "sn-1",
                      "ipv4": [topo.VM1_V4], "ipv6": [topo.VM1_V6]},
                     {"id": "vm2", "port": "b", "mac": topo.VM2_MAC, "subnet": "sn-2",
                      "ipv4": list(topo.VM2_V4), "ipv6": list(topo.VM2_V6)}]}


def _with_groups(cfg, groups, membership):
    cfg["security_groups"] = groups
    for eni in cfg["enis"]:
        eni["security_groups"] = membership[eni["id"]]
    return cfg


def forward_config(rx_devargs, tx_devargs):
    """ENI attribution, anti-spoofing, ARP/ND, routing, TTL, MAC rewrite,
    per-ENI counters; security groups all-open both ways, so untracked (no
    connection table work; checked: `vfpathctl conns` lists 0)."""
    every = [{"protocol": "all", "cidrs": _ANYWHERE}]
    return _with_groups(_topology(rx_devargs, tx_devargs),
                        [{"id": "sg-open", "vpc": "vpc-1", "ingress": every, "egress": every}],
                        {"vm1": ["sg-open"], "vm2": ["sg-open"]})


def conntrack_config(rx_devargs, tx_devargs):
    """The forward topology with stateful security groups: vm1 may send
    anywhere, vm2 admits UDP and TCP from vm1's subnet, so every packet is
    tracked in both ENIs' zones (replies would need no rule)."""
    return _with_groups(_topology(rx_devargs, tx_devargs),
                        [{"id": "sg-client", "vpc": "vpc-1",
                          "egress": [{"protocol": "all", "cidrs": _ANYWHERE}]},
                         {"id": "sg-server", "vpc": "vpc-1",
                          "ingress": [{"protocol": p, "cidrs": [topo.SUBNET1_V4, topo.SUBNET1_V6]}
                                      for p in ("udp", "tcp")]}],
                        {"vm1": ["sg-client"], "vm2": ["sg-server"]})


def overlay_config(rx_devargs, tx_devargs):
    """conntrack_config() with vm2 remote: its addresses mapped to the host
    topology.UNDERLAY_REMOTE, VNI topology.VNI; the tx port is the uplink, so
    every packet is tracked in vm1's zone (its egress groups: one zone, the
    remote host tracks the other end) and leaves VXLAN-encapsulated. The
    remote addresses are members of sg-server as the mapping says."""
    cfg = conntrack_config(rx_devargs, tx_devargs)
    cfg["ports"][1]["role"] = "UPLINK"
    vm2 = next(e for e in cfg["enis"] if e["id"] == "vm2")
    cfg["enis"] = [e for e in cfg["enis"] if e["id"] != "vm2"]
    cfg["vpcs"][0]["vni"] = topo.VNI
    cfg["underlay"] = {"port": "b", "ipv4": topo.UNDERLAY_LOCAL, "mac": "02:00:00:00:77:01",
                       "next_hop_mac": topo.UNDERLAY_REMOTE_MAC, "mtu": 1600, "encapsulation": "VXLAN"}
    cfg["mappings"] = [{"vpc": "vpc-1", "ip": ip, "underlay_ip": topo.UNDERLAY_REMOTE, "mac": topo.VM2_MAC,
                        "security_groups": ["sg-server"]} for ip in [*vm2["ipv4"], *vm2["ipv6"]]]
    return cfg


CONFIGS = {"forward": forward_config, "conntrack": conntrack_config, "conntrack-vxlan": overlay_config}


def vfpath_config(vfpath_profile, rx_devargs, tx_devargs):
    """The config dict of a vfpathd profile ("forward", "conntrack", ...)."""
    return CONFIGS[vfpath_profile](rx_devargs, tx_devargs)
