#!/usr/bin/python3
"""End-to-end: the IDS/IPS with real Linux TCP. Three VMs in namespaces
behind vfpathd (af_packet on veths), one rule set:
  vm1  the client (no IDS)
  vm2  a server whose ENI runs the rule set in PREVENT
  vm3  a server whose ENI runs it in DETECT
Checks: a transfer carrying the drop signature is cut in PREVENT (also when
the signature is written two bytes at a time, so it crosses segments) while
an unrelated transfer to the same server completes; in DETECT the same
transfer completes and is alerted; alerts are EVE JSON records in the
rotating file and from `vfpathctl alerts` (and `alerts -f` streams a new
one as it happens); `vfpathctl stats` shows the rule's hits and the drop
reason; a push that carries a rule the subset cannot express is refused
whole, naming line, sid and keyword.

usage: ids_test.py VFPATHD VFPATHCTL   (root; cleans up after itself)"""

import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
sys.path.insert(0, os.path.dirname(__file__))
from vfpath_harness import Daemon  # noqa: E402
from namespaces_test import Topology, vpc_config  # noqa: E402

VMS = {"vm1": ("02:00:00:00:01:0a", "10.0.1.10", "10.0.1.1", "fd00:10:0:1::10", "fd00:10:0:1::1"),
       "vm2": ("02:00:00:00:02:0a", "10.0.2.10", "10.0.2.1", "fd00:10:0:2::10", "fd00:10:0:2::1"),
       "vm3": ("02:00:00:00:03:0a", "10.0.2.20", "10.0.2.1", "fd00:10:0:2::20", "fd00:10:0:2::1")}
SUBNET = {"vm1": "sn-1", "vm2": "sn-2", "vm3": "sn-2"}
SIGNATURE = "SIGNATURE-XYZZY-0042"
RULES = (f'drop tcp any any -> any 5001 (msg:"exfiltration marker"; flow:to_server,established; content:"{SIGNATURE}"; '
         'classtype:policy-violation; sid:1000100; rev:3;)\n'
         'alert tcp any any -> any 5001 (msg:"hello marker"; content:"hello-ids"; sid:1000101; rev:1;)\n')


def config(topo):
    modes = {"vm2": "PREVENT", "vm3": "DETECT"}
    c = vpc_config(topo, SUBNET, lambda vm: {
        "security_groups": ["sg-client"] if vm == "vm1" else ["sg-web"],
        **({"ids": {"ruleset": "rs-web", "mode": modes[vm]}} if vm in modes else {})})
    c["security_groups"] = [
        {"id": "sg-client", "vpc": "vpc-demo", "egress": [{"protocol": "all", "cidrs": ["0.0.0.0/0", "::/0"]}]},
        {"id": "sg-web", "vpc": "vpc-demo",
         "ingress": [{"protocol": "tcp", "port_range": {"from": 5001, "to": 5001}, "cidrs": ["10.0.0.0/16"]}]}]
    c["ids_rulesets"] = [{"id": "rs-web", "rules": RULES}]
    c["conntrack"] = {"capacity": 65536}
    return c


# Counts what each connection sends, answers "got N" when it half-closes.
SINK_SERVER = """
import socket, sys, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5001)); s.listen(64)
def serve(c):
    n = 0
    while True:
        b = c.recv(65536)
        if not b: break
        n += len(b)
    try: c.sendall(b"got %d" % n); c.close()
    except OSError: pass
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
"""
# Sends 256 KiB (the marker in the middle when asked; `tiny`: the marker two
# bytes per write with Nagle off, so it spans many segments), then reads the answer.
CLIENT = """
import socket, sys, time
ip, marker, tiny = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
c = socket.create_connection((ip, 5001), timeout=8)
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
try:
    half = b"a" * (128 * 1024)
    c.sendall(half)
    if tiny:
        for i in range(0, len(marker), 2):
            c.sendall(marker[i:i + 2].encode()); time.sleep(0.01)
    else:
        c.sendall(marker.encode())
    c.sendall(half)
    c.shutdown(socket.SHUT_WR)
    print(c.recv(100).decode() or "closed", flush=True)
except OSError as e:
    print("cut", type(e).__name__, flush=True)
"""


def main():
    vfpathd, vfpathctl = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    tag = f"vfi{os.getpid() % 100000}"
    checks = []

    def check(ok, what):
        checks.append((ok, what))
        print(("ok   " if ok else "FAIL ") + what, flush=True)

    procs = []
    with tempfile.TemporaryDirectory(prefix="vfpath-ids-") as tmp, Topology(tag, VMS) as topo:
        eve = os.path.join(tmp, "eve.json")
        options = ["--eve-log", eve, "--ids-cache-dir", os.path.join(tmp, "ids-cache")]
        with Daemon(vfpathd, config(topo), tmp, tag, netns=topo.app, options=options) as d:
            def ctl(*args, timeout=30):
                r = subprocess.run([vfpathctl, "--socket", d.control_socket, *args], capture_output=True, text=True,
                                   timeout=timeout)
                return r.returncode, r.stdout + r.stderr

            def stats():
                rc, out = ctl("stats", "-o", "json")
                return json.loads(out[:out.rfind("}") + 1])

            def eni_drops(vm):
                for e in stats().get("enis", []):
                    if e["id"] == f"eni-{vm}":
                        return e.get("drops", {})
                return {}

            def transfer(ip, marker="", tiny=False):
                try:
                    return topo.run("vm1", "/usr/bin/python3", "-c", CLIENT, ip, marker, "1" if tiny else "0",
                                    check=False, timeout=30).stdout.strip()
                except subprocess.TimeoutExpired:
                    return "cut (timed out)"

            def alerts():
                rc, out = ctl("alerts", "--max", "1000")
                return [json.loads(l) for l in out.splitlines() if l.startswith("{")]

            try:
                for ip in ("10.0.2.10", "10.0.2.20"):
                    procs.append(subprocess.Popen(["ip", "netns", "exec", topo.ns[f"vm{2 if ip.endswith('10') else 3}"],
                                                   "/usr/bin/python3", "-c", SINK_SERVER, ip],
                                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
                time.sleep(0.5)
                total = 256 * 1024

                # 1. PREVENT: unrelated traffic passes; the marked transfer is cut.
                out = transfer("10.0.2.10")
                check(out == f"got {total}", f"PREVENT: an unrelated 256 KiB transfer completes ({out})")
                out = transfer("10.0.2.10", SIGNATURE)
                check(out.startswith("cut") or (out.startswith("got") and out != f"got {total + len(SIGNATURE)}"),
                      f"PREVENT: the transfer carrying the signature is cut ({out})")
                # Counted on the ENI that sent the dropped packet: the client's.
                drops = eni_drops("vm1")
                check(int(drops.get("ids_drop", 0)) > 0, f"ids_drop counted on eni-vm1, whose packets were dropped: {drops}")
                out = transfer("10.0.2.10", SIGNATURE, tiny=True)
                check(out.startswith("cut") or out != f"got {total + len(SIGNATURE)}",
                      f"PREVENT: the signature written 2 bytes per segment is cut too ({out})")
                out = transfer("10.0.2.10")
                check(out == f"got {total}", f"PREVENT: the server still serves clean transfers afterwards ({out})")

                # 2. DETECT: the same transfer completes and is alerted.
                out = transfer("10.0.2.20", SIGNATURE)
                check(out == f"got {total + len(SIGNATURE)}", f"DETECT: the marked transfer completes untouched ({out})")
                d.wait_for(lambda: any(a.get("in_iface") == "eni-vm3" for a in alerts()), "the DETECT alert", timeout=10)
                got = alerts()
                blocked = [a for a in got if a["in_iface"] == "eni-vm2"]
                allowed = [a for a in got if a["in_iface"] == "eni-vm3"]
                check(len(blocked) >= 2 and all(a["alert"]["action"] == "blocked" and a["alert"]["signature_id"] == 1000100
                                                for a in blocked),
                      f"PREVENT alerts: {len(blocked)}, action blocked, sid 1000100")
                a = allowed[0] if allowed else {}
                check(a.get("event_type") == "alert" and a.get("src_ip") == "10.0.1.10" and a.get("dest_ip") == "10.0.2.20"
                      and a.get("dest_port") == 5001 and a.get("proto") == "TCP" and a.get("flow_id", 0) > 0
                      and a.get("alert", {}).get("action") == "allowed" and a["alert"].get("rev") == 3
                      and a["alert"].get("signature") == "exfiltration marker"
                      and a["alert"].get("category") == "policy-violation" and "timestamp" in a,
                      f"DETECT alert is an EVE record with Suricata's fields: {json.dumps(a)[:300]}")
                with open(eve) as f:
                    lines = [json.loads(l) for l in f if l.strip()]
                check(len(lines) == len(got) and lines[-1] == got[-1],
                      f"the EVE file holds the same {len(lines)} records as vfpathctl alerts ({len(got)})")

                # 3. alerts -f streams a new alert as it happens.
                follower = subprocess.Popen([vfpathctl, "--socket", d.control_socket, "alerts", "-f", "--max", "1"],
                                            stdout=subprocess.PIPE, text=True)
                procs.append(follower)
                first = follower.stdout.readline()  # the latest one, at once
                topo.run("vm1", "/usr/bin/python3", "-c",
                         "import socket,sys\nc=socket.create_connection((sys.argv[1],5001),timeout=5)\n"
                         "c.sendall(b'hello-ids');c.shutdown(socket.SHUT_WR);c.recv(100)", "10.0.2.20", check=False)
                line = follower.stdout.readline()
                follower.terminate()
                streamed = json.loads(line) if line.startswith("{") else {}
                check(first.startswith("{") and streamed.get("alert", {}).get("signature_id") == 1000101,
                      f"vfpathctl alerts -f streams the new alert: {line.strip()[:120]}")

                # 4. Stats: rule hits and counters.
                s = stats()
                hits = {r["sid"]: int(r["hits"]) for r in s.get("ids", {}).get("rules", [])}
                counters = s.get("ids", {}).get("counters", {})
                check(hits.get(1000100, 0) >= 3 and hits.get(1000101, 0) >= 1 and int(counters.get("ids_alerts", 0)) >= 4,
                      f"stats: rule hits {hits}, ids_alerts {counters.get('ids_alerts')}")

                # 5. A rule outside the subset refuses the whole push.
                bad = config(topo)
                bad["generation"] = 2
                bad["ids_rulesets"][0]["rules"] = RULES + 'alert tcp any any -> any any (msg:"x"; byte_test:4,>,1,0; sid:7;)\n'
                path = os.path.join(tmp, "bad.json")
                with open(path, "w") as f:
                    json.dump(bad, f)
                rc, out = ctl("apply", path)
                check(rc == 1 and "ids_rulesets[0].rules: line 3 (sid 7) 'byte_test'" in out,
                      f"a push with byte_test is refused, naming line, sid and keyword: {out.strip()[:160]}")
                out = transfer("10.0.2.10", SIGNATURE)
                check(out != f"got {total + len(SIGNATURE)}", f"the rules in force still cut the signature ({out})")
            finally:
                for p in procs:
                    p.kill()
                    p.wait()
            report = d.stop()
            print(report)
    failed = [w for ok, w in checks if not ok]
    print(f"{len(checks) - len(failed)}/{len(checks)} checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
