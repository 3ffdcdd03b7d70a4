#!/usr/bin/env bash
# The GPU kit's checks on the machine that built it (make gpu-kit runs them; any failure fails it):
#   - every shared library a kit binary needs (readelf -d, NEEDED) is a C/C++ runtime or a CUDA
#     library: the target machine has nothing else;
#   - the glibc and libstdc++ symbol versions they need are at most Ubuntu 22.04's;
#   - each binary carries device code for every architecture the kit promises (cuobjdump, or the
#     .nv_fatbin section read by fatbin_archs.py where the toolkit has no cuobjdump);
#   - the kit is at most KIT_MAX_MIB (60) MiB;
#   - check.sh --dry-run passes here (no GPU needed) and writes its report.
#   tools/gpu_kit/verify_kit.sh KIT_DIR
set -uo pipefail

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
  echo "verify_kit.sh: error: usage: verify_kit.sh KIT_DIR (an existing folder)" >&2
  exit 2
fi
kit=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
max_mib=${KIT_MAX_MIB:-60}
archs=${KIT_ARCHS:-"75 90"}
max_glibc=${KIT_MAX_GLIBC:-2.35}
max_glibcxx=${KIT_MAX_GLIBCXX:-3.4.30}
failures=0
fail() { echo "verify_kit.sh: FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { echo "verify_kit.sh: ok: $*"; }

# The binaries travel xz-compressed (make_kit.sh): checked unpacked, in a temporary folder.
unpacked=$(mktemp -d "${TMPDIR:-/tmp}/kdup-kit-verify.XXXXXX")
trap 'rm -rf "$unpacked"' EXIT
for bin in kdup kdup_tests kdup_bench kdup_nccl_tests; do
  if [ -s "$kit/$bin.xz" ]; then
    xz -dc "$kit/$bin.xz" > "$unpacked/$bin" && chmod +x "$unpacked/$bin" || fail "$bin.xz does not decompress"
  elif [ -x "$kit/$bin" ]; then
    cp "$kit/$bin" "$unpacked/$bin"
  fi
done

# The C and C++ runtimes and the CUDA libraries the target machine provides.
allowed='^(libc\.so\.6|libm\.so\.6|libstdc\+\+\.so\.6|libgcc_s\.so\.1|ld-linux-x86-64\.so\.2|libdl\.so\.2|libpthread\.so\.0|librt\.so\.1|libcublas\.so\.13|libcublasLt\.so\.13|libcudnn[a-z_]*\.so\.9|libcuda\.so\.1|libcudart\.so\.13)$'
for bin in kdup kdup_tests kdup_bench kdup_nccl_tests; do
  if [ ! -x "$unpacked/$bin" ]; then
    fail "$kit/$bin.xz is missing"
    continue
  fi
  needed=$(readelf -d "$unpacked/$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  # The NCCL check links NCCL, which the target has beside PyTorch (check.sh finds it).
  if [ "$bin" = kdup_nccl_tests ]; then
    bad=$(grep -Ev "$allowed" <<< "$needed" | grep -v '^libnccl\.so\.2$' | tr '\n' ' ')
  else
    bad=$(grep -Ev "$allowed" <<< "$needed" | tr '\n' ' ')
  fi
  if [ -n "$bad" ]; then
    fail "$bin needs shared libraries the target may not have: $bad"
  else
    ok "$bin NEEDED: $(tr '\n' ' ' <<< "$needed")"
  fi
  # The newest glibc and libstdc++ symbol versions it asks for: at most those of Ubuntu 22.04
  # (glibc 2.35, GCC 12's libstdc++), the oldest base of CUDA 13's containers.
  symbols=$(objdump -T "$unpacked/$bin")
  glibc=$(grep -o 'GLIBC_[0-9.]*' <<< "$symbols" | sort -uV | tail -1)
  glibcxx=$(grep -o 'GLIBCXX_[0-9.]*' <<< "$symbols" | sort -uV | tail -1)
  newest=$(printf '%s\n%s\n' "${glibc#GLIBC_}" "$max_glibc" | sort -V | tail -1)
  [ "$newest" = "$max_glibc" ] || fail "$bin needs glibc ${glibc#GLIBC_}, newer than $max_glibc"
  newest=$(printf '%s\n%s\n' "${glibcxx#GLIBCXX_}" "$max_glibcxx" | sort -V | tail -1)
  [ -z "$glibcxx" ] || [ "$newest" = "$max_glibcxx" ] ||
    fail "$bin needs libstdc++ ${glibcxx#GLIBCXX_}, newer than $max_glibcxx"
  glibcxx=${glibcxx#GLIBCXX_}
  echo "verify_kit.sh: $bin needs glibc ${glibc#GLIBC_} and libstdc++ ${glibcxx:-(none)} at least"
  # Device code: cuobjdump when the toolkit has it, else the .nv_fatbin section read directly.
  sass=  # what precedes sm_NN on a line naming machine code (not PTX)
  if command -v cuobjdump > /dev/null; then
    elfs=$(cuobjdump --list-elf "$unpacked/$bin" 2> /dev/null)
  else
    sass="elf "
    objcopy -O binary --only-section=.nv_fatbin "$unpacked/$bin" "$unpacked/$bin.fatbin" &&
      elfs=$(python3 "$here/fatbin_archs.py" "$unpacked/$bin.fatbin") || elfs=
    rm -f "$unpacked/$bin.fatbin"
  fi
  for arch in $archs; do
    grep -q "${sass}sm_$arch" <<< "$elfs" || fail "$bin has no machine code (SASS) for sm_$arch"
  done
  echo "verify_kit.sh: $bin device code: $(grep -o '\(elf\|ptx\)\? *sm_[0-9]*' <<< "$elfs" | sort -u | tr '\n' ' ')"
done

bytes=$(find "$kit" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
mib=$(awk -v b="$bytes" 'BEGIN {printf "%.1f", b / 1048576}')
if ((bytes > max_mib * 1048576)); then
  fail "the kit holds $mib MiB, more than $max_mib MiB"
else
  ok "the kit holds $mib MiB (limit $max_mib MiB); unpacked binaries: $(du -sh "$unpacked" | cut -f1)"
fi

out=$unpacked/dry-run
mkdir -p "$out"
if OUT=$out "$kit/check.sh" --dry-run > "$out/dry_run.log" 2>&1; then
  if [ -s "$out/gpu-kit-report.md" ]; then
    ok "check.sh --dry-run passed (report written)"
  else
    fail "check.sh --dry-run wrote no report"
  fi
else
  sed 's/^/    /' "$out/dry_run.log" >&2
  fail "check.sh --dry-run failed"
fi
if ((failures)); then
  echo "verify_kit.sh: $failures check(s) failed" >&2
  exit 1
fi
echo "verify_kit.sh: the kit in $kit passed every check"
