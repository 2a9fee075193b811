#!/usr/bin/python3
"""Integration: a real capture of RFC 1858's tiny-fragment evasion through
vfpathd on net_pcap ports. suricata-verify's defrag-ipv4-tcp-syn-8byte-frags
(tests/data/pcaps/fragments) carries a TCP SYN with window scaling cut into
three 8-byte fragments: the first holds only the ports and sequence number,
the flags sit in the second. Rewritten to vm1 -> vm2, it is sent three
times: to port 80 in order and last fragment first (sg-web allows tcp 80:
all six fragments must leave, unchanged in size), and to port 22 (no rule:
all three refused as sg_deny, none as malformed or orphaned).

usage: fragments_pcap_test.py VFPATHD TEST_DATA_DIR"""

import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
sys.path.insert(0, os.path.dirname(__file__))
from vfpath_harness import Daemon  # noqa: E402
from conntrack_pcap_test import config  # noqa: E402
from pcap_pipeline_test import ROUTER, VM1  # noqa: E402

from scapy.all import IP, Ether, rdpcap, wrpcap  # noqa: E402

CAPTURE = "pcaps/fragments/suricata-verify__defrag-ipv4-tcp-syn-8byte-frags_rawip.pcap"


def datagram(fragments, ip_id, dport):
    out = []
    for f in fragments:
        ip = IP(bytes(f[IP]))
        ip.src, ip.dst, ip.id = "10.0.1.10", "10.0.2.10", ip_id
        payload = bytearray(bytes(ip.payload))
        if ip.frag == 0:
            payload[2:4] = dport.to_bytes(2, "big")
        ip.remove_payload()
        del ip.chksum
        out.append(Ether(src=VM1, dst=ROUTER) / IP(bytes(ip / bytes(payload))))
    return out


def main():
    binary, data = sys.argv[1], sys.argv[2]
    path = os.path.join(data, CAPTURE)
    if not os.path.exists(path):
        sys.exit(f"no capture at {path}")
    fragments = [p for p in rdpcap(path) if IP in p]
    if len(fragments) != 3 or fragments[0][IP].frag != 0 or len(fragments[0][IP].payload) != 8:
        sys.exit(f"{path}: expected three 8-byte fragments of one SYN, found {len(fragments)}")
    in_order = datagram(fragments, 101, 80)
    reversed_ = datagram(fragments, 102, 80)[::-1]
    refused = datagram(fragments, 103, 22)
    failures = []
    with tempfile.TemporaryDirectory(prefix="vfpath-frag-") as tmp:
        wrpcap(f"{tmp}/a_in.pcap", in_order + reversed_ + refused)
        wrpcap(f"{tmp}/b_in.pcap", [])
        with Daemon(os.path.abspath(binary), config(tmp), tmp, f"vfpath-fr-{os.getpid()}") as d:
            d.wait_for(lambda: d.query("/vfpath/stats")["rx_packets"] == 9, "9 fragments received")
            d.wait_for(lambda: d.query("/vfpath/stats")["tx_packets"] + d.query("/vfpath/stats")["dropped"] >= 9,
                       "every fragment decided", timeout=5)
            stats = d.query("/vfpath/stats")
            d.stop()
        out = rdpcap(f"{tmp}/b_out.pcap") if os.path.getsize(f"{tmp}/b_out.pcap") > 24 else []
        sizes = sorted(len(p[IP]) for p in out)
        want = sorted(len(p[IP]) for p in in_order + reversed_)
        if sizes != want:
            failures.append(f"port b: {len(out)} fragments of sizes {sizes}, want the six allowed ones {want}")
        drops = {k: v for k, v in stats.items() if k not in ("generation", "rx_packets", "tx_packets", "workers", "dropped") and v}
        if drops != {"sg_deny": 3}:
            failures.append(f"drops {drops}, want sg_deny 3 only (no malformed, orphan or overlap)")
    if failures:
        print("FAIL\n" + "\n".join(failures))
        return 1
    print("ok: the tiny-fragment SYN is judged whole: to port 80 all fragments pass in either order, to 22 all are refused")
    return 0


if __name__ == "__main__":
    sys.exit(main())
