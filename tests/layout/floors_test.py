#!/usr/bin/python3
"""The floors of DESIGN.md §2, checked on every #include of the source tree.

A file may include its own floor and the floors below it, never one above,
and the middle floor's folders (acl, conntrack, encap, ids, xdp) are siblings
that do not include each other. `packet/` additionally stays free of DPDK
headers, so everything built on it is unit-testable on plain memory.
bench/ and tests/ may include any floor; no floor may include them.

usage: floors_test.py SOURCE_ROOT
"""
import os
import re
import sys
import tempfile

RANK = {"packet": 0, "acl": 1, "conntrack": 1, "encap": 1, "ids": 1, "xdp": 1,
        "dataplane": 2, "control": 3, "daemon": 4}
FREE_OF_DPDK = {"packet"}
SOURCE_SUFFIXES = (".h", ".cc", ".c", ".hpp", ".cpp")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.MULTILINE)


def violations(root):
    """Returns (files scanned, [(file, line, included, why)])."""
    found, scanned = [], 0
    for floor in RANK:
        top = os.path.join(root, floor)
        for dirpath, _, names in os.walk(top):
            for name in sorted(names):
                if not name.endswith(SOURCE_SUFFIXES):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                scanned += 1
                text = open(path, encoding="utf-8", errors="replace").read()
                for m in INCLUDE.finditer(text):
                    kind, target = m.group(1), m.group(2)
                    line = text.count("\n", 0, m.start()) + 1
                    if kind == "<":
                        if floor in FREE_OF_DPDK and os.path.basename(target).startswith("rte_"):
                            found.append((rel, line, target, f"{floor}/ must not include DPDK headers"))
                        continue
                    head = target.split("/", 1)[0]
                    if head in ("bench", "tests"):
                        found.append((rel, line, target, f"{floor}/ includes {head}/"))
                    elif head in RANK and head != floor:
                        if RANK[head] > RANK[floor]:
                            found.append((rel, line, target, f"{floor}/ (floor {RANK[floor]}) includes "
                                          f"{head}/ (floor {RANK[head]}), a floor above"))
                        elif RANK[head] == RANK[floor]:
                            found.append((rel, line, target, f"{floor}/ includes its sibling {head}/"))
    return scanned, found


def self_test():
    """The checker finds each kind of violation in a tree made to have them."""
    with tempfile.TemporaryDirectory() as root:
        files = {
            "packet/ok.h": '#include <cstdint>\n',
            "packet/up.h": '#include <cstdint>\n#include "dataplane/worker.h"\n',
            "packet/dpdk.h": '#include <rte_mbuf.h>\n',
            "conntrack/sibling.cc": '#include "packet/ok.h"\n#include "encap/wire.h"\n',
            "control/test_helper.cc": '#include "tests/packet/frames.h"\n',
            "daemon/main.cc": '#include "control/x.h"\n#include "dataplane/y.h"\n',
        }
        for rel, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
            open(os.path.join(root, rel), "w").write(text)
        scanned, found = violations(root)
        got = sorted((f, line) for f, line, _, _ in found)
        want = [("conntrack/sibling.cc", 2), ("control/test_helper.cc", 1),
                ("packet/dpdk.h", 1), ("packet/up.h", 2)]
        if scanned != len(files) or got != want:
            sys.exit(f"self-test failed: scanned {scanned} of {len(files)}, found {got}, want {want}")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    self_test()
    root = sys.argv[1]
    scanned, found = violations(root)
    for floor in RANK:
        if floor in ("ids", "xdp") and not os.path.isdir(os.path.join(root, floor)):
            continue
        if not os.path.isdir(os.path.join(root, floor)):
            sys.exit(f"floor {floor}/ is missing under {root}")
    # The tree has well over a hundred sources; fewer means the walk went wrong.
    if scanned < 100:
        sys.exit(f"scanned only {scanned} files under {root}: wrong root?")
    for rel, line, target, why in found:
        print(f"{rel}:{line}: #include \"{target}\": {why}")
    if found:
        sys.exit(f"{len(found)} include(s) break the floors (DESIGN.md §2)")
    print(f"floors: {scanned} files, every include points down")


if __name__ == "__main__":
    main()
