#!/bin/sh
# Runs the acl microbenchmarks and, in the same run, dpdk-test-acl on the
# same rule sets and traces, so both sets of figures come from one machine
# state. Usage:
#   bench/acl/run_bench.sh BUILD_DIR [DATA_DIR] [OUT_DIR]
# Writes OUT_DIR/acl_bench.json (Google Benchmark, 3 repetitions, medians)
# and OUT_DIR/dpdk_test_acl.txt (median of 3 runs per set, method, burst).
# Heavy: ~12 minutes on 2 cores; nice'd.
set -eu
build=${1:?usage: run_bench.sh BUILD_DIR [DATA_DIR] [OUT_DIR]}
data=${2:-/work/shared/data}
out=${3:-$build/bench-acl}
mkdir -p "$out"
cb="$data/classbench"

ACL_DATA_DIR="$data" nice -n 10 "$build/bench/acl/acl_classify_bench" \
  --benchmark_min_time=0.2 --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true \
  --benchmark_out="$out/acl_bench.json" --benchmark_out_format=json \
  ${ACL_BENCH_FILTER:+--benchmark_filter="$ACL_BENCH_FILTER"} \
  | tee "$out/acl_bench.txt"

# dpdk-test-acl reads plain files only.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "/var/run/dpdk/dta$$"' EXIT  # EAL leaves its runtime dir
for s in acl1_100K fw1_100K; do
  zcat "$cb/generated_100K/$s.gz" > "$tmp/$s"
  zcat "$cb/generated_100K/${s}_trace.gz" > "$tmp/${s}_trace"
done

median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

: > "$out/dpdk_test_acl.txt"
for set in acl_1k fw_1k acl_10k fw_10k acl1_100k fw1_100k; do
  case $set in
    acl1_100k) rules=$tmp/acl1_100K; trace=$tmp/acl1_100K_trace ;;
    fw1_100k) rules=$tmp/fw1_100K; trace=$tmp/fw1_100K_trace ;;
    *) rules=$cb/cutsplit/$set; trace=$cb/cutsplit/${set}_trace ;;
  esac
  # dpdk-test-acl rebuilds per run (22 s for fw1_100k): the 100K sets get
  # fewer combinations.
  algs="avx512x32 avx512x16 avx2 sse scalar"; steps="1 32 64"
  case $set in *100k) algs="avx512x32 avx2 scalar"; steps="32" ;; esac
  for alg in $algs; do
    for step in $steps; do
      runs=""
      for i in 1 2 3; do
        c=$(nice -n 10 dpdk-test-acl --no-huge --no-shconf -m 3072 --no-pci -l 0 \
              --log-level=lib.eal:error --no-telemetry --force-max-simd-bitwidth=512 \
              --file-prefix="dta$$" -- \
              --rulesf="$rules" --tracef="$trace" --rulenum=200000 --tracenum=200000 \
              --bldcat=1 --runcat=1 --tracestep=$step --iter=3 --verbose=1 --alg=$alg 2>&1 |
            sed -n 's/.* \([0-9.]*\) cycles\/pkt.*/\1/p')
        runs="$runs $c"
      done
      med=$(printf '%s\n' $runs | median)
      echo "dpdk-test-acl $set $alg tracestep=$step cycles/pkt median=$med runs:$runs" |
        tee -a "$out/dpdk_test_acl.txt"
    done
  done
done
