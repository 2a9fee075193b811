#!/usr/bin/python3
"""bench-smoke: every vfpathd profile the side by side uses is accepted by
`vfpathd --check-config` (catches a drift of the configuration schema before
a benchmark run does). Profiles that are still hooks (NotImplementedError)
are reported and not counted.

usage: vfpath_config_test.py VFPATHD"""

import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vfpath_config  # noqa: E402


def main():
    vfpathd = sys.argv[1]
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name in vfpath_config.CONFIGS:
            try:
                cfg = vfpath_config.vfpath_config(name, f"net_pcap0,rx_pcap={tmp}/x.pcap,infinite_rx=1",
                                                  "net_null0,no-rx=1")
            except NotImplementedError as e:
                print(f"hook: {name}: {e}")
                continue
            path = os.path.join(tmp, f"{name}.json")
            with open(path, "w") as f:
                json.dump(cfg, f)
            r = subprocess.run([vfpathd, "--config", path, "--check-config"], capture_output=True, text=True,
                               timeout=30)
            ok = r.returncode == 0
            passed, failed = passed + ok, failed + (not ok)
            print(f"{'ok' if ok else 'FAIL'}: vfpathd profile {name}" + ("" if ok else f": {r.stdout}{r.stderr}"))
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
