#!/bin/sh
# The budget study's report: every finished run (results.json) of the given configs, any seed, in
# the run folders compare_seeds.sh names (runs/<config file name>_seed<S>), in one page of the
# results, the spread over seeds, the budget curve and the diagnostics.
#   tools/study/budget_report.sh BUILD_DIR OUT.html CONFIG...
set -e
build=$1 out=$2
shift 2
dirs=""
for config in "$@"; do
  for dir in runs/"$(basename "$config" .json)"_seed*; do
    [ -f "$dir/results.json" ] && dirs="$dirs $dir"
  done
done
[ -n "$dirs" ] || { echo "budget_report: no finished run of the given configs under runs/" >&2; exit 1; }
# shellcheck disable=SC2086  # one argument per run directory
"$build/kdup" report $dirs --sections results,seeds,budget,diagnostics --out "$out"
