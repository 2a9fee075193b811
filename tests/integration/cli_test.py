#!/usr/bin/python3
"""vfpathd's command line as a newcomer meets it: --help, a missing or bad
option, a bad configuration (refused with file, field path and reason, exit
2, nothing started), --check-config. No EAL is started by any of these.

usage: cli_test.py VFPATHD"""

import json
import os
import subprocess
import sys
import tempfile

GOOD = {"generation": 4,
        "ports": [{"name": "p", "devargs": "net_null0", "role": "ENI"}],
        "vpcs": [{"id": "v", "cidrs": ["10.0.0.0/16"]}],
        "subnets": [{"id": "s", "vpc": "v", "ipv4_cidr": "10.0.1.0/24"}],
        "enis": [{"id": "e", "port": "p", "mac": "02:00:00:00:00:01", "subnet": "s", "ipv4": ["10.0.1.5"]}]}


def run(binary, *args):
    r = subprocess.run([binary, *args], capture_output=True, text=True, timeout=20)
    return r.returncode, r.stdout + r.stderr


def main():
    binary = sys.argv[1]
    failures = []

    def expect(what, code, out, want_code, *needles):
        ok = code == want_code and all(n in out for n in needles)
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            failures.append(f"{what}: exit {code}, output:\n{out}")

    with tempfile.TemporaryDirectory() as tmp:
        good = os.path.join(tmp, "good.json")
        json.dump(GOOD, open(good, "w"))
        bad = os.path.join(tmp, "bad.json")
        broken = json.loads(json.dumps(GOOD))
        broken["enis"][0]["ipv4"] = ["10.0.2.5"]
        broken["ports"][0]["role"] = "ROLE_UNSPECIFIED"
        json.dump(broken, open(bad, "w"))

        expect("--help explains the options and exits 0", *run(binary, "--help"), 0,
               "--config", "--worker-cores", "EAL options", "/vfpath/stats")
        expect("no --config: exit 2 with a pointer to --help", *run(binary), 2, "--config is required")
        expect("unknown option: exit 2", *run(binary, "--confg", good), 2, "unrecognised option")
        expect("bad core list: exit 2", *run(binary, "-c", good, "--worker-cores", "3-1"), 2, "bad core list")
        expect("-l among the EAL options conflicts: exit 2", *run(binary, "-c", good, "--", "-l", "0"), 2, "conflicts")
        expect("main core among worker cores: exit 2", *run(binary, "-c", good, "--worker-cores", "0"), 2, "must not include")
        expect("--check-config on a valid file: exit 0", *run(binary, "-c", good, "--check-config"), 0,
               "configuration is valid (generation 4)")
        code, out = run(binary, "-c", bad, "--check-config")
        expect("a bad file: every problem with file and field path, exit 2", code, out, 2,
               f"{bad}: ports[0].role: must be ENI or UPLINK",
               f"{bad}: enis[0].port: \"p\" is not a port with role ENI",
               f"{bad}: enis[0].ipv4[0]: \"10.0.2.5\" is not inside subnet \"s\" (10.0.1.0/24)")
        code, out = run(binary, "-c", bad)
        expect("a bad file does not start the daemon", code, out, 2, "configuration refused, nothing started")
        expect("a missing file: exit 2", *run(binary, "-c", os.path.join(tmp, "nope.json")), 2,
               "nope.json: cannot open: No such file or directory")
    print(f"{10 - len(failures)} passed, {len(failures)} failed")
    for f in failures:
        print(f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
