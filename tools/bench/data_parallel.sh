#!/bin/sh
# Step time of one training over 1 and over 2 processes on this machine (docs/data_parallel.md):
# SimCLR at CPU scale (configs/cpu/simclr_cifar10_lt_split1.json), stopped in its 4th epoch (so the
# signal meets training, not the evaluation), timed by the log's images/s of epochs 2 and 3 (the
# first warms the allocator and the caches up). One process
# uses every core through OpenMP; the two-process runs use one OpenMP thread per rank, with batch
# statistics per rank and over the global batch (model.sync_batch_norm). Nothing else may run.
#   tools/bench/data_parallel.sh [BUILD_DIR]    prints a markdown table
set -eu
build=${1:-build}
config=configs/cpu/simclr_cifar10_lt_split1.json
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
common="--set train.epochs=4 --set eval.linear=false --set eval.fewshot=false --set run.dir=runs/bench"

# measure NAME "EXTRA SETTINGS" LAUNCHER...: runs one setting until its log holds 3 epochs, then
# stops it (SIGTERM to the kdup processes) and prints the mean images/s of epochs 2 and 3.
measure() {
  name=$1 extra=$2
  shift 2
  rm -rf "runs/bench/$name"
  "$@" "$build/kdup" run --config "$config" $common $extra --set run.name="$name" \
    > /dev/null 2>&1 &
  while [ "$(grep -c '"epoch"' "runs/bench/$name/log.jsonl" 2> /dev/null || echo 0)" -lt 3 ]; do
    sleep 1
  done
  pkill -TERM -f "^$build/kdup run.*run.name=$name" || true  # the ranks, not mpirun
  wait || true
  /usr/bin/python3 -c "
import json, sys
records = [json.loads(l) for l in open('runs/bench/$name/log.jsonl') if '\"epoch\"' in l]
rates = [r['images_per_second'] for r in records[1:3]]
print(f'{sum(rates) / len(rates):.0f}')"
}

one=$(OMP_NUM_THREADS=$(nproc) measure dp_one "")
two=$(OMP_NUM_THREADS=1 measure dp_two "" mpirun -np 2 --oversubscribe)
sync=$(OMP_NUM_THREADS=1 measure dp_two_sync "--set model.sync_batch_norm=true" \
  mpirun -np 2 --oversubscribe)
ratio() { /usr/bin/python3 -c "print(f'{$1 / $2:.2f}')"; }
echo "| setting | images/s (epochs 2-3) | against one process |"
echo "|---|---|---|"
echo "| 1 process, $(nproc) OpenMP threads | $one | 1.00 |"
echo "| 2 processes, 1 thread each, batch norm per rank | $two | $(ratio "$two" "$one") |"
echo "| 2 processes, 1 thread each, model.sync_batch_norm | $sync | $(ratio "$sync" "$one") |"
