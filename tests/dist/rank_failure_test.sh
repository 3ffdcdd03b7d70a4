#!/bin/sh
# A rank that fails ends the whole mpirun job (ctest's MpiRankFailure). Rank 1 is given a bad
# setting while rank 0 waits for it in the job's first collective: the job must end within 30 s,
# with a non-zero status and rank 1's error on one line naming the rank.
#   tests/dist/rank_failure_test.sh KDUP MPIRUN CONFIG
set -u
kdup=$1 mpirun=$2 config=$3
err=$(mktemp)
trap 'rm -f "$err"' EXIT
start=$(date +%s)
timeout 120 "$mpirun" --oversubscribe -np 1 "$kdup" run --config "$config" \
  : -np 1 "$kdup" run --config "$config" --set train.batch_size=0 > /dev/null 2> "$err"
status=$?
elapsed=$(($(date +%s) - start))
fail() {
  echo "rank_failure_test: $1 (status $status after $elapsed s); stderr:" >&2
  cat "$err" >&2
  exit 1
}
[ "$status" -ne 0 ] || fail "the job succeeded"
[ "$status" -ne 124 ] || fail "the job hung"
[ "$elapsed" -le 30 ] || fail "the job took more than 30 s to end"
grep -q '^kdup: error: rank 1 of 2: .*train\.batch_size' "$err" || fail "no one-line error of rank 1"
echo "rank_failure_test: the job ended after $elapsed s with status $status"
