#!/usr/bin/env bash
# Builds the pipeline and IDS rule-parser fuzz targets with clang (libFuzzer,
# ASan, UBSan); runs the pipeline for SECONDS, seeded with every frame of
# tests/data/pcaps, then the rule parser for half as long, seeded with the
# rules the tests write (tests/fuzz/corpus/ids_rules). Exit 0 when no crash
# was found; a crash leaves its input in OUT/crash-* and fails.
#   tests/fuzz/run_fuzz.sh SOURCE_ROOT SHARED_DATA OUT [SECONDS]
set -euo pipefail
src=$1 data=$2 out=$3 seconds=${4:-30}
mkdir -p "$out/corpus"
"$src/tests/fuzz/build_targets.sh" "$src" "$out" pipeline ids_rules
# Seeds: every frame of the repository's captures, one file each, and the
# corpus scripts/fuzz.sh keeps (tests/fuzz/corpus/pipeline, minimised).
/usr/bin/python3 - "$data/pcaps" "$out/corpus" <<'PY'
import glob, hashlib, os, sys
from scapy.all import PcapReader
for f in glob.glob(os.path.join(sys.argv[1], "*", "*.pcap*")):
    for p in PcapReader(f):
        for how in (0, 1, 3, 5):  # pipeline_fuzz.cc's steering byte
            b = bytes([how]) + bytes(p)[:4096]
            open(os.path.join(sys.argv[2], hashlib.sha1(b).hexdigest()), "wb").write(b)
PY
cd "$out"
corpora=(corpus)
[ -d "$src/tests/fuzz/corpus/pipeline" ] && corpora+=("$src/tests/fuzz/corpus/pipeline")
./bin/pipeline_fuzz -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 "${corpora[@]}" 2>&1 | tail -15
mkdir -p ids_corpus  # new inputs go here; the repository's corpus is only read
./bin/ids_rules_fuzz -max_total_time=$(( seconds / 2 )) -print_final_stats=1 -rss_limit_mb=2048 -timeout=10 \
  ids_corpus "$src/tests/fuzz/corpus/ids_rules" 2>&1 | tail -6
