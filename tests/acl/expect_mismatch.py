#!/usr/bin/env python3
"""Runs vfpath-classify with an oracle that belongs to another rule set and
checks that it fails the way the contract says: exit status 1 (mismatch, not
a crash or usage error) and a message naming the trace line and both
answers.  Usage: expect_mismatch.py VFPATH_CLASSIFY ARGS..."""
import re
import subprocess
import sys

proc = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=300)
out = proc.stdout + proc.stderr
if proc.returncode != 1:
    sys.exit(f"want exit status 1 (mismatch), got {proc.returncode}:\n{out}")
pattern = (r"MISMATCH at trace line \d+ \(header \d+: src=\S+ dst=\S+ sport=\d+ dport=\d+ "
           r"proto=\d+\): classifier says (rule \d+|no match), expected says (rule \d+|no match)")
if not re.search(pattern, out):
    sys.exit(f"mismatch report lacks line/header/answers:\n{out}")
print("mismatch detected and reported as specified")
