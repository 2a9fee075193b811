#!/usr/bin/python3
"""Our overlay wire format against two independent implementations.

1. tshark dissects every frame that encap_pcap_tool builds (VXLAN/Geneve over
   IPv4/IPv6, Geneve options, ICMP frag-needed, ICMPv6 packet-too-big, IPv4
   fragments): the right VNI, inner destination, options, MTU; every IP, UDP
   and ICMP checksum good or absent where we chose zero; no warning or error
   expert item and nothing malformed.
2. scapy builds Geneve (with options, critical and not, and broken ones) and
   VXLAN; encap_pcap_tool decapsulates them with the verdict each must get.

Usage: tshark_check.py PATH/TO/encap_pcap_tool
"""
import os
import shutil
import subprocess
import sys
import tempfile

WARNING = 0x600000  # tshark expert severity: warning and above fail the check
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def run(*args):
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def tshark_fields(pcap, fields):
    args = ["tshark", "-r", pcap, "-o", "udp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
            "-T", "fields", "-E", "separator=|"]
    for f in fields:
        args += ["-e", f]
    rows = []
    for line in run(*args).splitlines():
        values = line.split("|")
        rows.append({f: (v.split(",") if v else []) for f, v in zip(fields, values)})
    return rows


def check_our_output(tool, workdir):
    pcap = os.path.join(workdir, "ours.pcap")
    expected = [line.split() for line in run(tool, "encap", pcap).splitlines()]
    check(len(expected) == 10, "encap_pcap_tool wrote 10 frames")
    fields = ["frame.number", "vxlan.vni", "geneve.vni", "geneve.option.class", "ip.dst", "ipv6.dst",
              "udp.checksum.status", "ip.checksum.status", "icmp.type", "icmp.code", "icmp.mtu",
              "icmp.checksum.status", "icmpv6.type", "icmpv6.mtu", "icmpv6.checksum.status",
              "ip.reassembled.length", "_ws.expert.severity", "_ws.expert.message", "_ws.malformed"]
    rows = tshark_fields(pcap, fields)
    check(len(rows) == len(expected), "tshark read every frame")
    for (number, what, vni, inner_dst), row in zip(expected, rows):
        label = f"frame {number} ({what})"
        severities = [int(s) for s in row["_ws.expert.severity"]]
        check(all(s < WARNING for s in severities), f"{label}: expert items {row['_ws.expert.message']}")
        check(not row["_ws.malformed"], f"{label}: malformed")
        check(all(s == "1" for s in row["ip.checksum.status"]), f"{label}: IPv4 checksum {row['ip.checksum.status']}")
        check(all(s in ("1", "3") for s in row["udp.checksum.status"]),
              f"{label}: UDP checksum status {row['udp.checksum.status']} (1 good, 3 absent)")
        dsts = row["ip.dst"] + row["ipv6.dst"]
        check(inner_dst in dsts, f"{label}: inner destination {inner_dst} not in {dsts}")
        if what.startswith("vxlan"):
            check(row["vxlan.vni"] == [vni], f"{label}: VXLAN VNI {row['vxlan.vni']} != {vni}")
        if what.startswith("geneve"):
            check([int(v, 16) for v in row["geneve.vni"]] == [int(vni)],
                  f"{label}: Geneve VNI {row['geneve.vni']} != {vni}")
            want_classes = ["0x0102", "0xffff"] if "options" in what else []
            check(row["geneve.option.class"] == want_classes, f"{label}: options {row['geneve.option.class']}")
        if what.startswith(("vxlan4", "geneve4")):
            outer_udp = row["udp.checksum.status"][0]
            check(outer_udp == ("3" if what.endswith("zero") else "1"), f"{label}: outer UDP checksum {outer_udp}")
        if what.startswith(("vxlan6", "geneve6")):
            check(row["udp.checksum.status"][0] == "1", f"{label}: IPv6 underlay UDP checksum must be computed")
        if what == "frag-needed":
            check((row["icmp.type"], row["icmp.code"], row["icmp.mtu"]) == (["3"], ["4"], ["1450"]),
                  f"{label}: {row['icmp.type']} {row['icmp.code']} mtu {row['icmp.mtu']}")
            check(row["icmp.checksum.status"] == ["1"], f"{label}: ICMP checksum")
        if what == "packet-too-big":
            check((row["icmpv6.type"], row["icmpv6.mtu"]) == (["2"], ["1430"]),
                  f"{label}: {row['icmpv6.type']} mtu {row['icmpv6.mtu']}")
            check(row["icmpv6.checksum.status"] == ["1"], f"{label}: ICMPv6 checksum")
    fragments = [n for (n, what, _, _) in expected if what == "fragment"]
    if len(fragments) == 2:
        last = rows[int(fragments[1]) - 1]
        check(last["ip.reassembled.length"] == ["1480"],
              f"the fragments reassemble to 1480 bytes: {last['ip.reassembled.length']}")


def check_scapy_input(tool, workdir):
    from scapy.all import IP, IPv6, UDP, Ether, Raw, wrpcap
    from scapy.contrib.geneve import GENEVE, GeneveOptions
    from scapy.layers.vxlan import VXLAN

    inner = Ether(dst="02:76:66:70:00:01", src="02:00:00:00:0b:0b") / IP(src="10.0.2.10", dst="10.0.1.10") / \
        UDP(sport=1234, dport=4321) / Raw(b"x" * 32)
    inner_len = len(bytes(inner))
    opts = [GeneveOptions(classid=0x0102, type=0x01, data=b"\x01" * 8),
            GeneveOptions(classid=0xff00, type=0x7f, data=b"\x02" * 12)]
    opt_bytes = 12 + 16

    def v4(payload, dport=6081):
        return Ether(dst="02:00:00:00:00:01", src="02:00:00:00:00:02") / IP(src="192.0.2.2", dst="192.0.2.1", flags="DF") / UDP(sport=50000, dport=dport) / payload

    def v6(payload):
        return Ether(dst="02:00:00:00:00:01", src="02:00:00:00:00:02") / IPv6(src="2001:db8::2", dst="2001:db8::1") / UDP(sport=50000, dport=6081) / payload

    # (what it proves, packet, verdict, VNI, inner offset)
    cases = [
        ("Geneve with two non-critical options", v4(GENEVE(vni=0x123456, proto=0x6558, options=opts) / inner),
         "none", 0x123456, 50 + opt_bytes),
        ("Geneve over IPv6 with options (scapy's UDP checksum verified)",
         v6(GENEVE(vni=7, proto=0x6558, options=opts) / inner), "none", 7, 70 + opt_bytes),
        ("Geneve without options", v4(GENEVE(vni=1, proto=0x6558) / inner), "none", 1, 50),
        ("an unknown critical option",
         v4(GENEVE(vni=2, proto=0x6558, critical=1,
                   options=[GeneveOptions(classid=0x0102, type=0x85, data=b"\x00" * 4)]) / inner),
         "bad_encap", None, None),
        ("Opt Len past the datagram", v4(GENEVE(vni=3, proto=0x6558, optionlen=40)), "bad_encap", None, None),
        ("Geneve version 1", v4(GENEVE(version=1, vni=4, proto=0x6558) / inner), "bad_encap", None, None),
        ("a control (O) packet", v4(GENEVE(oam=1, vni=5, proto=0x6558) / inner), "bad_encap", None, None),
        ("inner IPv4 without Ethernet", v4(GENEVE(vni=6, proto=0x0800) / inner[IP]), "bad_encap", None, None),
        ("VXLAN from scapy", v4(VXLAN(vni=77) / inner, dport=4789), "none", 77, 50),
    ]
    pcap = os.path.join(workdir, "scapy.pcap")
    wrpcap(pcap, [c[1] for c in cases])
    lines = run(tool, "decap", pcap).splitlines()
    check(len(lines) == len(cases), f"decap printed {len(lines)} lines for {len(cases)} frames")
    for (proves, _, verdict, vni, offset), line in zip(cases, lines):
        _, got, got_vni, got_offset, got_len = line.split()
        check(got == verdict, f"scapy: {proves}: {got}, want {verdict}")
        if verdict == "none":
            check((int(got_vni), int(got_offset), int(got_len)) == (vni, offset, inner_len),
                  f"scapy: {proves}: vni/offset/len {got_vni}/{got_offset}/{got_len}, "
                  f"want {vni}/{offset}/{inner_len}")


def main():
    if shutil.which("tshark") is None:
        sys.exit("tshark not found: install the Debian package tshark")
    try:
        import scapy  # noqa: F401
    except ImportError:
        sys.exit("scapy not found: install the Debian package python3-scapy")
    tool = sys.argv[1]
    with tempfile.TemporaryDirectory() as workdir:
        check_our_output(tool, workdir)
        check_scapy_input(tool, workdir)
    for f in failures:
        print("FAIL:", f)
    print(f"{'ok' if not failures else 'FAILED'}: {len(failures)} failures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
