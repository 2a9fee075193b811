"""The addresses every benchmark profile uses, in one place: vm1 sends from
port "a" (the pcap input) to vm2's four addresses in another subnet of the
same VPC, through the router (vfpathd) or the switch (OVS). The vfpath
configuration (bench/ovs/vfpath_config.py), the OpenFlow rules
(bench/ovs/ovs_flows.py) and the generated frames (bench/gen/frames.py) all
read these constants, so the three can never disagree."""

ROUTER_MAC = "02:76:66:70:00:01"
VM1_MAC = "02:00:00:00:01:0a"
VM2_MAC = "02:00:00:00:02:0a"

VPC_CIDRS = ["10.0.0.0/16", "fd00:10::/56"]
SUBNET1_V4, SUBNET1_V6 = "10.0.1.0/24", "fd00:10:0:1::/64"
SUBNET2_V4, SUBNET2_V6 = "10.0.2.0/24", "fd00:10:0:2::/64"

VM1_V4, VM1_V6 = "10.0.1.10", "fd00:10:0:1::10"
# vm2 has four addresses so that flows spread over several route entries.
VM2_V4 = ["10.0.2.10", "10.0.2.11", "10.0.2.12", "10.0.2.13"]
VM2_V6 = ["fd00:10:0:2::10", "fd00:10:0:2::11", "fd00:10:0:2::12", "fd00:10:0:2::13"]

# The underlay of the VXLAN profile (OVS only, until the overlay is in vfpathd).
UNDERLAY_LOCAL = "192.168.77.1"
UNDERLAY_REMOTE = "192.168.77.2"
UNDERLAY_REMOTE_MAC = "02:00:00:00:77:02"
VNI = 100


def flow_tuple(f):
    """Flow number f (0..~16M) -> (vm2 address index, source port, destination
    port); distinct for distinct f. Matches bench/forwarding_vs_testpmd.py's
    make_pcap for f < 256,000 (source ports 1024.., destination port 80)."""
    return f % 4, 1024 + (f // 4) % 64000, 80 + f // 256000
