#!/usr/bin/env bash
# Assembles the GPU kit (docs/gpu_kit.md) from a KDUP_STATIC_KIT build: the four binaries
# (compressed; kdup_nccl_tests checks the NCCL backend), check.sh,
# the PyTorch reference benchmark, the configurations and a CIFAR-10-LT subset of datasets/.
#   tools/gpu_kit/make_kit.sh BUILD_DIR KIT_DIR      (make gpu-kit runs it)
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ $# -ne 2 ]; then
  echo "make_kit.sh: error: usage: make_kit.sh BUILD_DIR KIT_DIR" >&2
  exit 2
fi
build=$1 kit=$2
for bin in kdup kdup_tests kdup_bench kdup_nccl_tests; do
  [ -x "$build/$bin" ] || { echo "make_kit.sh: error: $build/$bin is missing: build the kit first" >&2; exit 1; }
done
grep -q '^KDUP_STATIC_KIT:BOOL=ON' "$build/CMakeCache.txt" ||
  { echo "make_kit.sh: error: $build was not configured with -DKDUP_STATIC_KIT=ON" >&2; exit 1; }
# Only a folder this script made (or none) is replaced.
if [ -e "$kit" ] && [ ! -f "$kit/MANIFEST.txt" ]; then
  echo "make_kit.sh: error: $kit exists and is not a kit (no MANIFEST.txt); not replacing it" >&2
  exit 1
fi
rm -rf "$kit"
mkdir -p "$kit/reference"

# Each binary links OpenBLAS's kernels for every x86 CPU (Debian's build picks one at run time):
# 25 MB apiece, which the kit's size limit cannot hold three times. So the symbol tables go
# (sanitizer reports still name the kernels, whose device code keeps its names) and the binaries
# travel xz-compressed; check.sh unpacks them into a temporary folder.
for bin in kdup kdup_tests kdup_bench kdup_nccl_tests; do
  strip --strip-unneeded -o "$kit/$bin" "$build/$bin"
  xz -T2 -6 "$kit/$bin"
done
install -m 755 tools/gpu_kit/check.sh "$kit/check.sh"
cp tools/reference/bench_reference.py tools/reference/resnet18_golden.py tools/reference/safetensors_io.py \
   "$kit/reference/"
cp -r configs "$kit/configs"
cp docs/gpu_kit.md "$kit/README.md"
python3 tools/gpu_kit/make_kit_data.py datasets "$kit/datasets"

nvcc=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
commit=$(git rev-parse --short HEAD 2> /dev/null || echo unknown)
git diff --quiet HEAD 2> /dev/null || commit="$commit + uncommitted changes"
{
  echo "kdup GPU kit, commit $commit"
  echo "built $(date -u '+%Y-%m-%d %H:%M UTC') on $(hostname), $("$nvcc" --version | tail -1)"
  echo "CUDA architectures: $(sed -n 's/^CMAKE_CUDA_ARCHITECTURES:[A-Z]*=//p' "$build/CMakeCache.txt")"
  echo
  (cd "$kit" && find . -type f ! -name MANIFEST.txt -printf '%P\n' | sort | xargs sha256sum)
} > "$kit/MANIFEST.txt"
echo "make_kit.sh: $kit: $(du -sh --apparent-size "$kit" | cut -f1)"
