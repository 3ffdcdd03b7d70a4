#!/bin/sh
# The budget study's report: every finished run (results.json) of the compare configs (1x) and of
# configs/cpu/budget/ (2x, 4x), any seed, as named by compare_seeds.sh, in one page of the results,
# the spread over seeds, the budget curve and the diagnostics.
#   tools/study/budget_report.sh BUILD_DIR OUT.html
set -e
build=$1 out=$2
dirs=""
for budget in cifar10_lt_split1 2x 4x; do
  for method in simclr simclr_colt kdup; do
    for dir in runs/${method}_${budget}_seed*; do
      [ -f "$dir/results.json" ] && dirs="$dirs $dir"
    done
  done
done
[ -n "$dirs" ] || { echo "budget_report: no finished run of the budget study under runs/" >&2; exit 1; }
# shellcheck disable=SC2086  # one argument per run directory
"$build/kdup" report $dirs --sections results,seeds,budget,diagnostics --out "$out"
