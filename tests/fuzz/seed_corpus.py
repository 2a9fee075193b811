#!/usr/bin/python3
"""Seeds tests/fuzz/corpus/<target> from the repository's own data when it is
empty: every frame of tests/data/pcaps (parser; pipeline with each steering byte), the example
configurations as JSON and as serialized protobuf (config), the first lines
of each ClassBench file (classbench), the rules the tests write (ids_rules). delta starts empty (libFuzzer builds it).

usage: seed_corpus.py SOURCE_ROOT TARGET ..."""
import glob
import gzip
import hashlib
import os
import sys


def put(directory, data):
    open(os.path.join(directory, hashlib.sha1(data).hexdigest()), "wb").write(data)


def main():
    root, targets = sys.argv[1], sys.argv[2:]
    for t in targets:
        d = os.path.join(root, "tests", "fuzz", "corpus", t)
        os.makedirs(d, exist_ok=True)
        if os.listdir(d):
            continue
        if t in ("parser", "pipeline"):
            from scapy.all import PcapReader
            for f in glob.glob(os.path.join(root, "tests", "data", "pcaps", "*", "*.pcap*")):
                for p in PcapReader(f):
                    frame = bytes(p)[:4096]
                    if t == "parser":
                        put(d, frame)
                    else:  # the first byte steers it (pipeline_fuzz.cc): as is, from vm1, to the overlay, a reply
                        for how in (0, 1, 3, 5):
                            put(d, bytes([how]) + frame)
        elif t == "config":
            for f in glob.glob(os.path.join(root, "examples", "*.json")):
                put(d, b"\x00" + open(f, "rb").read())
        elif t == "ids_rules":  # every rule the tests write, one per file
            import re
            for f in glob.glob(os.path.join(root, "tests", "**", "*.*"), recursive=True):
                if f.endswith((".py", ".cc")):
                    for m in re.finditer(r"((?:alert|drop|pass) (?:tcp|udp|icmp|ip) [^\n]*?\))", open(f).read()):
                        put(d, m.group(1).encode())
        elif t == "classbench":
            for f in glob.glob(os.path.join(root, "tests", "data", "classbench", "*", "*")):
                opener = gzip.open if f.endswith(".gz") else open
                if f.endswith(".md"):
                    continue
                with opener(f, "rb") as fh:
                    put(d, b"".join(fh.readline() for _ in range(20)))
        n = len(os.listdir(d))
        print(f"seeded {t}: {n} inputs")


if __name__ == "__main__":
    main()
