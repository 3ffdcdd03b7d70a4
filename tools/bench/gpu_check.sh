#!/usr/bin/env bash
# On a machine with a GPU: build with the GPU's architecture added, run the whole test suite (CUDA
# parity and gradient checks included), then time a ResNet-18 training step (CIFAR, fp32) for kdup
# and for PyTorch on the same GPU, batch 128 and 512. Output goes to stdout and to $OUT (if set).
#   tools/bench/gpu_check.sh "75;90"
set -uo pipefail
cd "$(dirname "$0")/../.."
archs=${1:-"75;90"}
out=${OUT:-/tmp}
export PATH="$PATH:/usr/local/cuda/bin"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$out/gpu.txt"
cmake -S . -B build-gpu -DCMAKE_BUILD_TYPE=Release -DKDUP_CUDA=ON \
      "-DCMAKE_CUDA_ARCHITECTURES=$archs" > "$out/cmake.log" 2>&1 || { tail -30 "$out/cmake.log"; exit 1; }
cmake --build build-gpu -j "$(nproc)" > "$out/build.log" 2>&1 || { tail -40 "$out/build.log"; exit 1; }
(cd build-gpu && ctest -j 4 --output-on-failure > "$out/ctest.log" 2>&1)
grep -E "tests passed|tests failed|Failed|\(Failed\)" "$out/ctest.log" | tail -20
for mode in simclr supervised; do
  for batch in 128 512; do
    build-gpu/kdup_bench --mode $mode --device cuda --batch $batch --steps 20 --warmup 3 \
      | tee -a "$out/bench.jsonl"
    python3 tools/reference/bench_reference.py --mode $mode --device cuda --batch $batch \
      --steps 20 --warmup 3 | tee -a "$out/bench.jsonl"
  done
done
