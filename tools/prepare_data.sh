#!/usr/bin/env bash
# Prepares datasets/: CIFAR-10 (binary format), the long-tail split files and the OOD pool.
# From ../shared/data when that folder exists (decompressing it), otherwise CIFAR-10 is downloaded
# from its official address and the rest must be fetched by hand (this script says what and where).
set -euo pipefail
cd "$(dirname "$0")/.."
out=datasets
shared=${KDUP_SHARED_DATA:-../shared/data}
mkdir -p "$out/cifar-10-batches-bin" "$out/ood" "$out/splits"

decompress() {  # SRC.xz DEST: only when DEST is missing or older, via a temporary file
  local src=$1 dest=$2
  if [ ! -s "$dest" ] || [ "$src" -nt "$dest" ]; then
    echo "  $dest"
    xz -dkc "$src" > "$dest.tmp" && mv "$dest.tmp" "$dest"
  fi
}

if [ -d "$shared/cifar-10-batches-bin" ]; then
  echo "make data: preparing $out/ from $shared"
  for f in "$shared"/cifar-10-batches-bin/*.bin.xz; do
    decompress "$f" "$out/cifar-10-batches-bin/$(basename "${f%.xz}")"
  done
  cp -f "$shared"/cifar-10-batches-bin/batches.meta.txt "$out/cifar-10-batches-bin/" 2>/dev/null || true
  for f in "$shared"/ood/*.npy.xz; do
    [ -e "$f" ] && decompress "$f" "$out/ood/$(basename "${f%.xz}")"
  done
  cp -rf "$shared"/splits/. "$out/splits/"
else
  url=https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz
  if [ ! -s "$out/cifar-10-batches-bin/test_batch.bin" ]; then
    echo "make data: downloading CIFAR-10 from $url"
    curl -fL "$url" -o "$out/cifar-10-binary.tar.gz.tmp"
    mv "$out/cifar-10-binary.tar.gz.tmp" "$out/cifar-10-binary.tar.gz"
    tar -xzf "$out/cifar-10-binary.tar.gz" -C "$out"
  fi
  cat <<MSG
make data: CIFAR-10 is ready. Fetch these by hand:
  - the long-tail split files of SDCLR (split{1..5}_D_i.npy, split{k}_S_b.npy, trainIdxList.npy,
    valIdxList.npy) into $out/splits/cifar10/ (or set data.pretrain_split to "" to generate D_i);
  - the OOD pool, 300K Random Images (300K_random_images.npy, uint8 [300000, 32, 32, 3]), into $out/ood/;
  - CIFAR-100 (cifar-100-binary.tar.gz) for the CIFAR-100-LT configs, and ImageNet-100-LT /
    Places-LT image lists for the ResNet-50 configs.
MSG
fi

# Check what was prepared against the checksums of the README of the shared data.
if command -v sha256sum >/dev/null && [ -s "$out/cifar-10-batches-bin/test_batch.bin" ]; then
  echo "make data: test_batch.bin sha256 $(sha256sum "$out/cifar-10-batches-bin/test_batch.bin" | cut -c1-16)..."
fi
echo "make data: done"
