#!/usr/bin/python3
"""Integration: the IDS against an independent oracle. The same rule set and
the same captures go (a) through Wireshark's TCP reassembly (`tshark -z
follow,tcp,raw`) and a reference matcher written apart from the C++ code
(tests/ids/oracle.py: content with its modifiers by plain bytes search, pcre
with Python's `re`), and (b) through vfpathd in DETECT on a net_pcap port;
the sets of (sid, connection) alerts must agree. Every disagreement is
listed; those the design makes on purpose are named below with the reason,
and any other one (or an expected one that does not happen) fails the test.

Traffic, rewritten to vm1 (client) -> vm2 (server, the ENI with IDS):
  * real captures (tests/data/pcaps): zeek's SMTP session with its DNS
    lookups, and the HTTP session inside zeek's VXLAN capture;
  * written here: HTTP GET/POST with signatures cut at segment boundaries,
    a DNS query, a TLS ClientHello with SNI, one signature split over 2, 3,
    7 and 26 segments, an out-of-order delivery, overlapping retransmissions
    with other bytes (both orders), and two contents 400 bytes apart.

usage: ids_oracle_pcap_test.py VFPATHD TEST_DATA_DIR"""

import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "ids"))
from vfpath_harness import Daemon  # noqa: E402
from oracle import rule_matches  # noqa: E402

from scapy.all import DNS, DNSQR, IP, TCP, UDP, Ether, Raw, rdpcap, wrpcap  # noqa: E402

ROUTER, VM1, VM2 = "02:76:66:70:00:01", "02:00:00:00:01:0a", "02:00:00:00:02:0a"
CLIENT, SERVER = "10.0.1.10", "10.0.2.10"
CAPTURES = ["pcaps/icmp/zeek__smtp.pcap", "pcaps/vxlan/zeek__vxlan-encapsulated-http.pcap"]


def content(b, **mods):
    return {"bytes": b, "nocase": mods.pop("nocase", False), **mods}


# Each rule: protocol, source port, destination port (None: any), flow
# direction (None, "to_server", "to_client"), contents, pcres. The text is
# made from the same dict, so both sides read one definition.
RULES = [
    dict(sid=1, proto="tcp", sport=None, dport=80, flow="to_server",
         contents=[content(b"GET", depth=3), content(b"/wp-admin", distance=1)], pcres=[]),
    dict(sid=2, proto="tcp", sport=None, dport=80, flow=None,
         contents=[content(b"User-Agent: "), content(b"sqlmap", nocase=True, distance=0, within=40)], pcres=[]),
    dict(sid=3, proto="tcp", sport=80, dport=None, flow="to_client",
         contents=[content(b"HTTP/1.1 200", depth=12)], pcres=[]),
    dict(sid=4, proto="udp", sport=None, dport=53, flow=None,
         contents=[content(b"\x07example\x03com\x00", nocase=True)], pcres=[]),
    dict(sid=5, proto="tcp", sport=None, dport=443, flow="to_server",
         contents=[content(b"\x16\x03", depth=2), content(b"evil.example.net")], pcres=[]),
    dict(sid=6, proto="tcp", sport=None, dport=8080, flow=None,
         contents=[content(b"SPLIT-SIGNATURE-0123456789")], pcres=[]),
    dict(sid=7, proto="tcp", sport=None, dport=None, flow=None, contents=[],
         pcres=[("passw(or)?d=[^&]{3,}", "i")]),
    dict(sid=8, proto="tcp", sport=None, dport=25, flow="to_server",
         contents=[content(b"mail from:", nocase=True)], pcres=[]),
    dict(sid=9, proto="tcp", sport=25, dport=None, flow="to_client",
         contents=[content(b"250"), content(b"SIZE", distance=0)], pcres=[]),
    dict(sid=10, proto="tcp", sport=None, dport=8081, flow=None,
         contents=[content(b"FAR-A"), content(b"FAR-B", distance=400)], pcres=[]),
    dict(sid=11, proto="udp", sport=53, dport=None, flow=None,
         contents=[content(b"patriots", nocase=True)], pcres=[]),
    dict(sid=12, proto="tcp", sport=80, dport=None, flow="to_client",
         contents=[content(b"<title>SVG Logo</title>")], pcres=[]),
]


def content_text(b):
    return "".join(chr(c) if 0x20 < c < 0x7f and chr(c) not in '";\\|:' else "|%02x|" % c for c in b)


def rule_text(r):
    opts = ['msg:"oracle %d";' % r["sid"]]
    if r["flow"]:
        opts.append("flow:%s;" % r["flow"])
    for c in r["contents"]:
        opts.append('content:"%s";' % content_text(c["bytes"]))
        if c["nocase"]:
            opts.append("nocase;")
        for k in ("offset", "depth", "distance", "within"):
            if k in c:
                opts.append("%s:%d;" % (k, c[k]))
    for expr, flags in r["pcres"]:
        opts.append('pcre:"/%s/%s";' % (expr, flags))
    opts.append("sid:%d;" % r["sid"])
    port = lambda p: "any" if p is None else str(p)  # noqa: E731
    return "alert %s any %s -> any %s (%s)" % (r["proto"], port(r["sport"]), port(r["dport"]), " ".join(opts))


# ---- traffic ---------------------------------------------------------------

class Conversation:
    """A TCP connection vm1:sport -> vm2:dport, as a list of frames."""

    def __init__(self, sport, dport):
        self.sport, self.dport, self.frames = sport, dport, []
        self.c, self.s = 1000, 5000  # next sequence numbers

    def _frame(self, to_server, flags, seq, ack, data=b""):
        if to_server:
            f = Ether(src=VM1, dst=ROUTER) / IP(src=CLIENT, dst=SERVER) / TCP(sport=self.sport, dport=self.dport)
        else:
            f = Ether(src=VM2, dst=ROUTER) / IP(src=SERVER, dst=CLIENT) / TCP(sport=self.dport, dport=self.sport)
        f[TCP].flags, f[TCP].seq, f[TCP].ack, f[TCP].window = flags, seq, ack, 65535
        return f / Raw(data) if data else f

    def handshake(self):
        self.frames += [self._frame(True, "S", self.c - 1, 0), self._frame(False, "SA", self.s - 1, self.c),
                        self._frame(True, "A", self.c, self.s)]
        return self

    def send(self, data, to_server=True, pieces=1):
        step = max(1, -(-len(data) // pieces))
        for i in range(0, len(data), step):
            self.segment(data[i:i + step], to_server)
        return self

    def segment(self, data, to_server=True, at=None):
        """One segment; `at` (bytes from the current position) sends it elsewhere without moving on."""
        if to_server:
            seq = self.c + (at or 0)
            self.frames.append(self._frame(True, "PA", seq, self.s, data))
            if at is None:
                self.c += len(data)
        else:
            seq = self.s + (at or 0)
            self.frames.append(self._frame(False, "PA", seq, self.c, data))
            if at is None:
                self.s += len(data)
        return self

    def close(self):
        self.frames += [self._frame(True, "FA", self.c, self.s), self._frame(False, "FA", self.s, self.c + 1),
                        self._frame(True, "A", self.c + 1, self.s + 1)]
        return self


def tls_client_hello(sni):
    name = sni.encode()
    sni_ext = (b"\x00\x00" + (len(name) + 5).to_bytes(2, "big") + (len(name) + 3).to_bytes(2, "big") + b"\x00" +
               len(name).to_bytes(2, "big") + name)
    body = (b"\x03\x03" + bytes(32) + b"\x00" + b"\x00\x02\x13\x01" + b"\x01\x00" +
            len(sni_ext).to_bytes(2, "big") + sni_ext)
    hs = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + len(hs).to_bytes(2, "big") + hs


def written_traffic():
    convs = []
    sig = b"SPLIT-SIGNATURE-0123456789"
    # HTTP: GET with the admin path and sqlmap cut mid-word; the 200 reply.
    c = Conversation(40001, 80).handshake()
    c.segment(b"GET /wp-ad").segment(b"min/ HTTP/1.1\r\nHost: x\r\nUser-Agent: sql").segment(b"MAP/1.5\r\n\r\n")
    c.send(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", to_server=False).close()
    convs.append(c)
    # HTTP POST: a password in the body, cut inside the parameter name.
    c = Conversation(40002, 80).handshake()
    c.segment(b"POST /login HTTP/1.1\r\nContent-Length: 22\r\n\r\nuser=ann&pass").segment(b"word=hunter2")
    c.send(b"HTTP/1.1 302 Found\r\n\r\n", to_server=False).close()
    convs.append(c)
    # A GET whose path is not the admin one: nothing.
    c = Conversation(40003, 80).handshake().send(b"GET /index.html HTTP/1.1\r\n\r\n").close()
    convs.append(c)
    # TLS ClientHello with a blocked SNI, and one with another name.
    convs.append(Conversation(40004, 443).handshake().send(tls_client_hello("evil.example.net")).close())
    convs.append(Conversation(40005, 443).handshake().send(tls_client_hello("good.example.org")).close())
    # One signature over 2, 3, 7 and 26 segments.
    for port, pieces in ((40010, 2), (40011, 3), (40012, 7), (40013, 26)):
        convs.append(Conversation(port, 8080).handshake().send(b"prefix " + sig + b" suffix", pieces=pieces + 1).close())
    # Out of order: the second half first, then the first.
    c = Conversation(40020, 8080).handshake()
    c.segment(sig[13:], at=13).segment(sig[:13])
    c.c += len(sig) - 13
    convs.append(c.close())
    # Overlapping retransmission, other bytes: the signature sent second...
    c = Conversation(40021, 8080).handshake()
    c.segment(b"SPLIT-SIGNATURE-XXXXXXXXXX", at=0).segment(sig)
    convs.append(c.close())
    # ...and first (the retransmission hides it).
    c = Conversation(40022, 8080).handshake()
    c.segment(sig, at=0).segment(b"SPLIT-SIGNATURE-XXXXXXXXXX")
    convs.append(c.close())
    # Two contents 400 bytes apart.
    convs.append(Conversation(40030, 8081).handshake().send(b"FAR-A" + b"." * 400 + b"FAR-B", pieces=3).close())
    frames = [f for c in convs for f in c.frames]
    # DNS: a matching query and another.
    for sport, name in ((5353, "www.example.com"), (5354, "www.example.org")):
        frames.append(Ether(src=VM1, dst=ROUTER) / IP(src=CLIENT, dst=SERVER) / UDP(sport=sport, dport=53) /
                      DNS(rd=1, qd=DNSQR(qname=name)))
    return frames


def rewritten_capture(path):
    """A capture's TCP/UDP packets as vm1 (whoever sent first) <-> vm2; tunnels unwrapped."""
    out, client = [], None
    for p in rdpcap(path):
        inner = p
        while UDP in inner and inner[UDP].dport in (4789, 6081) and Ether in inner[UDP].payload:
            inner = inner[UDP].payload[Ether]
        if IP not in inner or (TCP not in inner and UDP not in inner):
            continue
        ip = inner[IP].copy()
        client = client or ip.src
        to_server = ip.src == client
        ip.src, ip.dst = (CLIENT, SERVER) if to_server else (SERVER, CLIENT)
        ip.ttl = 64
        ip.options = []
        del ip.chksum, ip.len, ip.ihl
        l4 = ip[TCP] if TCP in ip else ip[UDP]
        del l4.chksum
        if UDP in ip:
            del ip[UDP].len
        out.append(Ether(src=VM1 if to_server else VM2, dst=ROUTER) / ip)
    return out


# ---- the oracle --------------------------------------------------------------

def conn_key(proto, a_port, b_port):
    return (proto, min(a_port, b_port), max(a_port, b_port))


def header_ok(r, proto, sport, dport, to_server):
    if r["proto"] != proto:
        return False
    if r["sport"] is not None and r["sport"] != sport:
        return False
    if r["dport"] is not None and r["dport"] != dport:
        return False
    if r["flow"] == "to_server" and not to_server:
        return False
    if r["flow"] == "to_client" and to_server:
        return False
    return True


def tshark_streams(pcap):
    """(client port, server port, client->server bytes, server->client bytes) per TCP stream."""
    ids = subprocess.run(["tshark", "-r", pcap, "-T", "fields", "-e", "tcp.stream"], capture_output=True, text=True,
                         check=True).stdout.split()
    streams = []
    for sid in sorted({int(i) for i in ids if i}):
        out = subprocess.run(["tshark", "-r", pcap, "-q", "-z", f"follow,tcp,raw,{sid}"], capture_output=True,
                             text=True, check=True).stdout
        nodes, up, down = {}, b"", b""
        for line in out.splitlines():
            if line.startswith("Node "):
                nodes[line[5]] = int(line.rsplit(":", 1)[1])
            elif line.startswith("\t") and line.strip():
                down += bytes.fromhex(line.strip())
            elif line and all(ch in "0123456789abcdef" for ch in line):
                up += bytes.fromhex(line)
        streams.append((nodes["0"], nodes["1"], up, down))
    return streams


def oracle_alerts(pcap, frames):
    got = set()
    for cport, sport, up, down in tshark_streams(pcap):
        for r in RULES:
            if up and header_ok(r, "tcp", cport, sport, True) and rule_matches(r, up):
                got.add((r["sid"], conn_key("tcp", cport, sport)))
            if down and header_ok(r, "tcp", sport, cport, False) and rule_matches(r, down):
                got.add((r["sid"], conn_key("tcp", cport, sport)))
    for f in frames:  # datagrams: one block each, as Suricata
        if UDP not in f:
            continue
        u = f[UDP]
        payload, to_server = bytes(u.payload), f[IP].src == CLIENT
        for r in RULES:
            if header_ok(r, "udp", u.sport, u.dport, to_server) and rule_matches(r, payload):
                got.add((r["sid"], conn_key("udp", u.sport, u.dport)))
    return got


# What the design does on purpose, with why (sid, connection) -> reason.
EXPECTED_ONLY_ORACLE = {
    (6, conn_key("tcp", 40020, 8080)):
        "DETECT cannot hold a segment that comes before its turn: it scans it alone and resynchronises, so a signature "
        "cut by the hole is missed (PREVENT drops the early segment instead, and the resent one is read in order)",
    (10, conn_key("tcp", 40030, 8081)):
        "the contents are 400 bytes apart: more than the 256-byte carry a window keeps before new bytes",
}
EXPECTED_ONLY_VFPATH = {
    (6, conn_key("tcp", 40021, 8080)):
        "a retransmission with other bytes is scanned too (the receiver may keep either version); Wireshark keeps the "
        "first",
}


def vfpath_alerts(eve):
    got = set()
    with open(eve) as f:
        for line in f:
            a = json.loads(line)
            proto = a["proto"].lower()
            got.add((a["alert"]["signature_id"], conn_key(proto, a["src_port"], a["dest_port"])))
    return got


def config(tmp, rules):
    return {
        "generation": 1,
        "ports": [{"name": "a", "role": "ENI", "devargs": f"net_pcap0,rx_pcap={tmp}/in.pcap,tx_pcap={tmp}/out.pcap"}],
        "vpcs": [{"id": "vpc-1", "cidrs": ["10.0.0.0/16"]}],
        "subnets": [{"id": "sn-1", "vpc": "vpc-1", "ipv4_cidr": "10.0.1.0/24"},
                    {"id": "sn-2", "vpc": "vpc-1", "ipv4_cidr": "10.0.2.0/24"}],
        "security_groups": [{"id": "sg-open", "vpc": "vpc-1",
                             "ingress": [{"protocol": "all", "cidrs": ["0.0.0.0/0"]}],
                             "egress": [{"protocol": "all", "cidrs": ["0.0.0.0/0"]}]}],
        "ids_rulesets": [{"id": "oracle", "rules": rules}],
        "enis": [{"id": "vm1", "port": "a", "mac": VM1, "subnet": "sn-1", "ipv4": [CLIENT], "security_groups": ["sg-open"]},
                 {"id": "vm2", "port": "a", "mac": VM2, "subnet": "sn-2", "ipv4": [SERVER], "security_groups": ["sg-open"],
                  "ids": {"ruleset": "oracle", "mode": "DETECT"}}],
    }


def main():
    binary, data = os.path.abspath(sys.argv[1]), sys.argv[2]
    frames = written_traffic()
    for c in CAPTURES:
        path = os.path.join(data, c)
        if not os.path.exists(path):
            sys.exit(f"no capture at {path}")
        got = rewritten_capture(path)
        if len(got) < 10:
            sys.exit(f"{path}: only {len(got)} TCP/UDP packets")
        frames += got
    rules = "\n".join(rule_text(r) for r in RULES) + "\n"
    with tempfile.TemporaryDirectory(prefix="vfpath-idso-") as tmp:
        pcap = os.path.join(tmp, "in.pcap")
        wrpcap(pcap, frames)
        frames = rdpcap(pcap)  # as written (checksums and lengths filled in)
        expected = oracle_alerts(pcap, frames)
        eve = os.path.join(tmp, "eve.json")
        with Daemon(binary, config(tmp, rules), tmp, f"vfpath-io-{os.getpid()}",
                    options=["--eve-log", eve, "--ids-cache-dir", ""]) as d:
            d.wait_for(lambda: d.query("/vfpath/stats")["rx_packets"] == len(frames), f"{len(frames)} frames received",
                       timeout=30)
            time.sleep(0.5)  # the drainer writes within milliseconds
            stats = d.query("/vfpath/stats")
            ids_counters = d.query("/vfpath/ids")
        got = vfpath_alerts(eve)
        with open(eve) as f:
            eve_lines = sum(1 for _ in f)
    print(f"{len(frames)} frames, {len(RULES)} rules; oracle {len(expected)} alerts, vfpathd {len(got)}; drops {stats.get('dropped')}")
    failures = []
    print(f"/vfpath/ids: ids_alerts {ids_counters.get('ids_alerts')}, packets inspected "
          f"{ids_counters.get('ids_packets_inspected')}, EVE records {eve_lines}")
    if ids_counters.get("ids_alerts") != eve_lines or not ids_counters.get("rules_oracle"):
        failures.append("telemetry /vfpath/ids disagrees with the EVE file or has no rule hits")
        why = EXPECTED_ONLY_ORACLE.get(key)
        print(("expected" if why else "FAIL    ") + f" only the oracle: sid {key[0]} on {key[1]}" + (f": {why}" if why else ""))
        if not why:
            failures.append(key)
    for key in sorted(got - expected):
        why = EXPECTED_ONLY_VFPATH.get(key)
        print(("expected" if why else "FAIL    ") + f" only vfpathd: sid {key[0]} on {key[1]}" + (f": {why}" if why else ""))
        if not why:
            failures.append(key)
    for key in sorted(set(EXPECTED_ONLY_ORACLE) - (expected - got)):
        print(f"FAIL     the explained disagreement did not happen: sid {key[0]} on {key[1]}")
        failures.append(key)
    for key in sorted(set(EXPECTED_ONLY_VFPATH) - (got - expected)):
        print(f"FAIL     the explained disagreement did not happen: sid {key[0]} on {key[1]}")
        failures.append(key)
    sids = {k[0] for k in expected & got}
    print(f"agreed on {len(expected & got)} (sid, connection) alerts, sids {sorted(sids)}")
    if len(expected & got) < 10:
        failures.append("too few agreed alerts for the test to mean anything")
    print("FAILED" if failures else "PASSED")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
