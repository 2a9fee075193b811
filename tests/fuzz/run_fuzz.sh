#!/usr/bin/env bash
# Builds the pipeline fuzz target with clang (libFuzzer, ASan, UBSan) and runs
# it for SECONDS, seeded with every frame of tests/data/pcaps. Exit 0 when
# no crash was found; a crash leaves its input in OUT/crash-* and fails.
#   tests/fuzz/run_fuzz.sh SOURCE_ROOT SHARED_DATA OUT [SECONDS]
set -euo pipefail
src=$1 data=$2 out=$3 seconds=${4:-30}
mkdir -p "$out/corpus"
cxx=$(command -v clang++ || true)
[ -n "$cxx" ] || { echo "clang++ not found: install the Debian package clang" >&2; exit 1; }
d=$src/dataplane p=$src/packet
"$cxx" -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  $(pkg-config --cflags libdpdk) -Wno-deprecated-volatile -I"$src" \
  "$src/tests/fuzz/pipeline_fuzz.cc" "$p"/{parser,checksum,replies,prefix_table}.cc "$d/pipeline.cc" \
  "$d"/stages/{parse,eni,neighbor,anti_spoof,handoff,route,nacl,conntrack,l2_rewrite,overlay_encap,overlay_decap,underlay_neighbor}_stage.cc \
  "$d"/stages/{overlay_route,sg_decision}.cc "$src/acl/sg_set_rules.cc" "$src"/encap/{encap_template,decap,mtu}.cc \
  "$src"/conntrack/{flow_key,tcp_segment,tcp_state,related,flow_table,tracker,fragment_table}.cc \
  "$src"/acl/{classifier,small_classifier,rte_layout,method,result,rule_check,cidr,nacl}.cc \
  $(pkg-config --libs libdpdk) -o "$out/pipeline_fuzz"
# Seeds: every frame of the shared captures, one file each.
/usr/bin/python3 - "$data/pcaps" "$out/corpus" <<'PY'
import glob, hashlib, os, sys
from scapy.all import PcapReader
for f in glob.glob(os.path.join(sys.argv[1], "*", "*.pcap*")):
    for p in PcapReader(f):
        b = bytes(p)[:4096]
        open(os.path.join(sys.argv[2], hashlib.sha1(b).hexdigest()), "wb").write(b)
PY
cd "$out"
./pipeline_fuzz -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 corpus 2>&1 | tail -15
