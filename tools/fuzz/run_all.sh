#!/bin/sh
# Runs each fuzz target for SECONDS seconds from its committed seeds and prints one line per target:
# executions, corpus size, and whether it crashed. The new corpus entries stay in BUILD/corpus/.
#   tools/fuzz/run_all.sh BUILD SECONDS TARGET...
# Exits non-zero when any target found a crash (its input is BUILD/crash-*, its log BUILD/fuzz_*.log).
build=$1 seconds=$2
shift 2
cd "$(dirname "$0")/../.." || exit 1
failed=0
summary="| target | seconds run | executions | corpus | result |
|---|---:|---:|---:|---|"
for target in "$@"; do
  mkdir -p "$build/corpus/$target"
  log="$build/fuzz_$target.log"
  echo "fuzz_$target: $seconds s" >&2
  start=$(date +%s)
  # One OpenMP thread: the inputs are tiny, and several threads only make the runs less repeatable.
  if OMP_NUM_THREADS=1 ASAN_OPTIONS=detect_leaks=1 "$build/fuzz_$target" -max_total_time="$seconds" \
       -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/" \
       "$build/corpus/$target" "tools/fuzz/corpus/$target" > "$log" 2>&1; then
    result="no crash"
  else
    result="CRASH (see $log)"
    failed=1
  fi
  ran=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  corpus=$(ls "$build/corpus/$target" | wc -l)
  summary="$summary
| $target | $ran | ${execs:-?} | $corpus | $result |"
done
echo "$summary" | tee "$build/fuzz_summary.md"
exit $failed
