#!/usr/bin/python3
"""Robustness: every frame of the 100 public captures in tests/data/pcaps
(malformed headers, fragments, tunnels, TCP corner cases, ICMP errors) goes
through vfpathd's parser and pipeline on a net_pcap port. Every frame must be
accounted for (received = dropped with a reason + forwarded), the malformed
folder must produce `malformed` drops, and the daemon must still forward a
good packet afterwards.

usage: shared_pcaps_test.py VFPATHD TEST_DATA_DIR"""

# tests/data/pcaps/README.md lists them; a missing or partial folder is a failure.
EXPECTED_CAPTURES = 100

import glob
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from vfpath_harness import Daemon  # noqa: E402

from scapy.all import IP, UDP, Ether, PcapReader, PcapWriter  # noqa: E402

VM1, VM2, ROUTER = "02:00:00:00:01:0a", "02:00:00:00:02:0a", "02:76:66:70:00:01"


def main():
    binary, data = sys.argv[1], sys.argv[2]
    files = sorted(glob.glob(os.path.join(data, "pcaps", "*", "*.pcap*")))
    if len(files) != EXPECTED_CAPTURES:
        sys.exit(f"found {len(files)} captures under {data}/pcaps, expected {EXPECTED_CAPTURES}")
    with tempfile.TemporaryDirectory(prefix="vfpath-pcaps-") as tmp:
        frames, malformed_dir = 0, 0
        with PcapWriter(f"{tmp}/all.pcap", linktype=1) as w:
            for f in files:
                for pkt in PcapReader(f):
                    w.write(bytes(pkt)[:9000])  # raw bytes as Ethernet, whatever the capture's link type
                    frames += 1
                    malformed_dir += "/malformed/" in f
            good = Ether(src=VM1, dst=ROUTER) / IP(src="10.0.1.10", dst="10.0.2.10") / UDP(sport=1, dport=2)
            w.write(bytes(good))
        frames += 1
        config = {"generation": 1,
                  "ports": [{"name": "a", "role": "ENI", "devargs": f"net_pcap0,rx_pcap={tmp}/all.pcap"},
                            {"name": "b", "role": "ENI", "devargs": f"net_pcap1,tx_pcap={tmp}/out.pcap"}],
                  "vpcs": [{"id": "v", "cidrs": ["10.0.0.0/16"]}],
                  "subnets": [{"id": "s1", "vpc": "v", "ipv4_cidr": "10.0.1.0/24"},
                              {"id": "s2", "vpc": "v", "ipv4_cidr": "10.0.2.0/24"}],
                  "enis": [{"id": "vm1", "port": "a", "mac": VM1, "subnet": "s1", "ipv4": ["10.0.1.10"]},
                           {"id": "vm2", "port": "b", "mac": VM2, "subnet": "s2", "ipv4": ["10.0.2.10"]}]}
        with Daemon(binary, config, tmp, f"vfpcaps{os.getpid()}") as d:
            d.wait_for(lambda: d.query("/vfpath/stats")["rx_packets"] >= frames, f"{frames} frames")
            stats = d.query("/vfpath/stats")
            d.stop()
        forwarded = stats["tx_packets"]
        dropped = stats["dropped"]
        print(f"{len(files)} captures, {frames} frames ({malformed_dir} from malformed/): "
              f"{forwarded} forwarded, {dropped} dropped: " +
              ", ".join(f"{k}={v}" for k, v in stats.items() if k not in
                        ("generation", "rx_packets", "tx_packets", "workers", "dropped") and v))
        failures = []
        if stats["rx_packets"] != frames:
            failures.append(f"received {stats['rx_packets']} of {frames}")
        if forwarded + dropped != frames:
            failures.append(f"unaccounted: {frames - forwarded - dropped}")
        if stats["malformed"] < malformed_dir // 2:
            failures.append(f"only {stats['malformed']} malformed drops for {malformed_dir} frames of malformed/")
        if forwarded < 1:
            failures.append("the good packet after them was not forwarded")
        print(("FAIL\n" + "\n".join(failures)) if failures else "ok")
        print(f"{4 - len(failures)} passed, {len(failures)} failed")
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
