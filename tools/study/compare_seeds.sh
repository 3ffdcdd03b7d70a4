#!/bin/sh
# Runs every config once per seed (run.seed), seed after seed so that each finished seed is a
# complete comparison, then prints the runs side by side (mean ± standard deviation over the
# seeds of each label) into OUT.md and writes one report, OUT.html.
#   tools/study/compare_seeds.sh BUILD_DIR OUT "SEEDS" CONFIG...
# A run's directory is runs/<config file name>_seed<S>; a run that has written results.json is
# not run again (delete the folder to redo it); an interrupted one resumes from its checkpoint.
set -e
build=$1 out=$2 seeds=$3
shift 3
for seed in $seeds; do
  for config in "$@"; do
    name=$(basename "$config" .json)_seed$seed
    [ -f "runs/$name/results.json" ] && continue
    "$build/kdup" run --config "$config" --resume --set run.seed="$seed" --set run.name="$name"
  done
done
dirs=""
for config in "$@"; do
  for seed in $seeds; do dirs="$dirs runs/$(basename "$config" .json)_seed$seed"; done
done
mkdir -p "$(dirname "$out")"
"$build/kdup" compare $dirs > "$out.md.tmp"
mv "$out.md.tmp" "$out.md"
cat "$out.md"
"$build/kdup" report $dirs --out "$out.html"
