#!/usr/bin/env bash
# Long fuzzing outside CI: builds every libFuzzer target (clang, ASan +
# UBSan; tests/fuzz/build_targets.sh), runs each for its share of --minutes
# starting from its corpus in tests/fuzz/corpus/<target> (seeded from
# tests/data and examples/ when empty), then merges what it found back into
# that corpus, minimised, so CI's short run starts from it. Prints, per
# target, executions and coverage (edges); a crash leaves its input in
# OUT/<target>/crash-* and the script exits 1.
#
#   scripts/fuzz.sh --minutes N [--jobs J] [--out DIR] [TARGET ...]
#   targets: parser pipeline config delta classbench ids_rules (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=10 jobs=1 out=build/fuzz
targets=()
while [ $# -gt 0 ]; do
  case $1 in
    --minutes) minutes=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(parser pipeline config delta classbench ids_rules)
mkdir -p "$out"
out=$(cd "$out" && pwd) root=$PWD
tests/fuzz/build_targets.sh "$root" "$out" "${targets[@]}"
/usr/bin/python3 tests/fuzz/seed_corpus.py "$PWD" "${targets[@]}"
seconds=$(( minutes * 60 / ${#targets[@]} ))
status=0
run_one() {
  local t=$1 work="$out/$t"
  mkdir -p "$work/found"
  ( cd "$work" && "$out/bin/${t}_fuzz" -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 \
      -timeout=10 found "$root/tests/fuzz/corpus/$t" > log 2>&1 ) || return 1
}
summary() {
  local t=$1 log="$out/$t/log"
  local execs cov
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  echo "$t: ${seconds}s, ${execs:-?} executions, ${cov:-?} edges"
}
pids=() names=()
for t in "${targets[@]}"; do
  run_one "$t" & pids+=($!) names+=("$t")
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do sleep 1; done
done
for i in "${!pids[@]}"; do
  if ! wait "${pids[$i]}"; then
    echo "${names[$i]}: CRASH, see $out/${names[$i]}/log and $out/${names[$i]}/crash-*" >&2
    status=1
  fi
done
for t in "${targets[@]}"; do
  summary "$t"
  # Keep the corpus minimal: merge what was found into the repository's.
  c=tests/fuzz/corpus/$t
  mkdir -p "$c.new"
  "$out/bin/${t}_fuzz" -merge=1 -rss_limit_mb=2048 "$c.new" "$c" "$out/$t/found" > "$out/$t/merge.log" 2>&1 || true
  if [ -n "$(ls -A "$c.new")" ]; then rm -rf "$c"; mv "$c.new" "$c"; else rm -rf "$c.new"; fi
done
exit $status
