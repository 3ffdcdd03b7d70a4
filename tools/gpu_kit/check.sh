#!/usr/bin/env bash
# The GPU kit's check (docs/gpu_kit.md), run from the kit folder `make gpu-kit` writes, on a bare GPU
# machine (NVIDIA driver, a CUDA 13 toolkit, PyTorch; cuDNN possibly only inside the Python wheel):
#   0. unpack     decompresses the kit's binaries (kdup.xz, ...) into a temporary folder
#   1. libraries  finds cuBLAS and cuDNN (LD_LIBRARY_PATH, ldconfig, the toolkit, the Python wheels'
#                 nvidia/*/lib folders), puts them on LD_LIBRARY_PATH, and checks with ldd that the
#                 kit's binaries resolve every shared library
#   2. data       the kit's CIFAR-10-LT subset and configs are present and whole
#   3. versions   GPU, driver, CUDA (driver and toolkit), cuBLAS and cuDNN versions
#   4. cuda_tests the CUDA tests of kdup_tests (tests/cuda/ and every test naming CUDA or a device);
#                 fails when any test fails or is skipped
#      nccl       kdup_nccl_tests: the NCCL backend over one process (a clique of one GPU), with
#                 NCCL's libnccl.so.2 found as the libraries are (e.g. the wheel's nvidia/nccl/lib)
#   5. memcheck   a 10-step SimCLR training (`kdup run`) under compute-sanitizer --tool memcheck
#   6. racecheck  the same under --tool racecheck
#   7. bench_kdup, bench_pytorch  a ResNet-18 SimCLR step at batch 512, float32 (TF32 off), kdup
#                 and PyTorch on the same GPU: images/s and peak device memory
#   8. kdup_3_epochs  the CPU-scale KDUP config at full width for 3 epochs on the kit's data, cuda
# and writes one markdown report, $OUT/gpu-kit-report.md (OUT defaults to ./gpu-kit-report), with the
# logs under $OUT/logs/. Every step has its own timeout and the whole script stops starting steps
# when KIT_TOTAL_SECONDS (470) are spent; a step that fails or does not finish is named in the
# report and the next step runs. Exit status 0 when every step passed.
#
#   gpu-kit/check.sh             on the GPU machine
#   gpu-kit/check.sh --dry-run   anywhere: runs the steps that need no GPU (0, 1, 2, the test
#                                listing, the report) and prints the commands of the others
set -u
set -o pipefail

usage() {
  sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'
}

DRY_RUN=0
for arg in "$@"; do
  case $arg in
    --dry-run) DRY_RUN=1 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "check.sh: error: unknown argument '$arg' (usage: check.sh [--dry-run])" >&2; exit 2 ;;
  esac
done

KIT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${OUT:-$PWD/gpu-kit-report}
if ! mkdir -p "$OUT/logs"; then
  echo "check.sh: error: cannot create the report folder $OUT" >&2
  exit 2
fi
OUT=$(cd "$OUT" && pwd)
REPORT=$OUT/gpu-kit-report.md
TOTAL_SECONDS=${KIT_TOTAL_SECONDS:-470}
PY=${PYTHON:-python3}
ORIGINAL_LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/kdup-gpu-kit.XXXXXX") || {
  echo "check.sh: error: cannot create a temporary folder under ${TMPDIR:-/tmp}" >&2
  exit 2
}
SAMPLER_PID=
cleanup() {
  [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
cd "$KIT" || exit 2
START=$SECONDS

# The settings of the runs (environment variables override them).
SANITIZE_WIDTH=${KIT_SANITIZE_WIDTH:-0.25}   # network of the sanitizer runs (kernels as at full width)
BENCH_BATCH=${KIT_BENCH_BATCH:-512}
BENCH_STEPS=${KIT_BENCH_STEPS:-10}
BENCH_WARMUP=${KIT_BENCH_WARMUP:-3}
# Tests that skip on purpose when a GPU is present (they check machines without one).
TESTS_EXCLUDED=${KIT_TESTS_EXCLUDED:-CudaDevice.AllocationWithoutADeviceIsAClearError}

# ---- bookkeeping -----------------------------------------------------------------------------
STEP_NAMES=() STEP_STATUS=() STEP_SECONDS=() STEP_NOTES=()
DETAILS=$WORK/details.md
: > "$DETAILS"
record() {  # name status seconds note
  STEP_NAMES+=("$1") STEP_STATUS+=("$2") STEP_SECONDS+=("$3") STEP_NOTES+=("$4")
  printf '%-14s %-16s %4ss  %s\n' "$1" "$2" "$3" "$4"
}
# Downgrades the last recorded step (a check after its command ran).
amend_last() {  # status note
  local i=$((${#STEP_NAMES[@]} - 1))
  STEP_STATUS[i]=$1
  STEP_NOTES[i]=$2
  printf '%-14s %-16s %4ss  %s\n' "${STEP_NAMES[i]}" "$1" "${STEP_SECONDS[i]}" "$2"
}
detail() { printf '%s\n' "$@" >> "$DETAILS"; }
quote() { local s=; for a in "$@"; do s+=" $(printf '%q' "$a")"; done; printf '%s' "${s# }"; }
seconds_left() { echo $((TOTAL_SECONDS - (SECONDS - START))); }

# run_step NAME LIMIT COMMAND...: runs COMMAND with its output in $OUT/logs/NAME.log under a timeout
# of LIMIT seconds (less when the script's total would be passed); records passed / failed /
# did not finish. Returns the command's exit status (124 for a timeout, 125 for not run).
run_step() {
  local name=$1 limit=$2
  shift 2
  local left=$(($(seconds_left) - 15))
  if ((DRY_RUN)); then
    echo "dry run: $name would run (timeout ${limit}s): $(quote "$@")"
    detail "- dry run, \`$name\` would run (timeout ${limit} s): \`$(quote "$@")\`"
    record "$name" "dry run" 0 "needs a GPU; not run"
    return 125
  fi
  if ((left < 20)); then
    record "$name" "not run" 0 "under 20 s of the script's ${TOTAL_SECONDS} s were left"
    return 125
  fi
  ((limit > left)) && limit=$left
  local shown
  shown=$(quote "$@")
  ((${#shown} > 300)) && shown="${shown:0:300}..."
  echo "== $name (timeout ${limit}s): $shown"
  local t0=$SECONDS rc
  timeout --kill-after=10 "$limit" "$@" > "$OUT/logs/$name.log" 2>&1
  rc=$?
  local took=$((SECONDS - t0))
  if ((rc == 124 || rc == 137)); then
    record "$name" "did not finish" "$took" "stopped by its ${limit} s timeout"
    tail -5 "$OUT/logs/$name.log" | sed 's/^/    /'
    return 124
  elif ((rc != 0)); then
    record "$name" "FAILED" "$took" "exit status $rc; logs/$name.log"
    tail -5 "$OUT/logs/$name.log" | sed 's/^/    /'
  else
    record "$name" "passed" "$took" ""
  fi
  return $rc
}

# ---- 0. the binaries --------------------------------------------------------------------------
# The kit carries its binaries xz-compressed: each links OpenBLAS's kernels for every x86 CPU
# statically (25 MB), which uncompressed would pass the kit's size limit. They are unpacked into a
# temporary folder ($BIN), with xz or else Python's lzma; a kit holding them uncompressed works too.
BINARIES=(kdup kdup_tests kdup_bench kdup_nccl_tests)
# Those the libraries step checks; kdup_nccl_tests needs NCCL too, which the nccl step checks.
LINKED_BINARIES=(kdup kdup_tests kdup_bench)
BIN=$WORK/bin
step_unpack() {
  local t0=$SECONDS bin problems=()
  mkdir -p "$BIN"
  for bin in "${BINARIES[@]}"; do
    if [ -x "$KIT/$bin" ]; then
      ln -s "$KIT/$bin" "$BIN/$bin"
    elif [ ! -s "$KIT/$bin.xz" ]; then
      problems+=("$bin.xz missing")
    elif command -v xz > /dev/null 2>&1; then
      xz -dc "$KIT/$bin.xz" > "$BIN/$bin" || problems+=("$bin.xz does not decompress")
    else
      "$PY" -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' \
        "$KIT/$bin.xz" "$BIN/$bin" || problems+=("$bin.xz does not decompress")
    fi
    [ -f "$BIN/$bin" ] && chmod +x "$BIN/$bin"
  done
  if ((${#problems[@]})); then
    record unpack FAILED $((SECONDS - t0)) "${problems[*]}"
  else
    record unpack passed $((SECONDS - t0)) "$(du -shL "$BIN" | cut -f1) of binaries in $BIN"
  fi
}

# ---- 1. libraries ----------------------------------------------------------------------------
# Folders that may hold cuBLAS/cuDNN: LD_LIBRARY_PATH, ldconfig's cache, the toolkit, the wheels.
candidate_dirs() {
  local d
  IFS=: read -r -a dirs <<< "${LD_LIBRARY_PATH:-}"
  for d in "${dirs[@]}"; do [ -n "$d" ] && echo "$d"; done
  if command -v ldconfig > /dev/null 2>&1 || [ -x /sbin/ldconfig ]; then
    { ldconfig -p 2> /dev/null || /sbin/ldconfig -p 2> /dev/null; } |
      awk '/libcudnn\.so\.9|libcublas\.so\.13|libcublasLt\.so\.13|libnccl\.so\.2/ {print $NF}' |
      xargs -r -n1 dirname
  fi
  for d in ${CUDA_HOME:+"$CUDA_HOME/lib64"} ${CUDA_PATH:+"$CUDA_PATH/lib64"} /usr/local/cuda/lib64 \
           /usr/local/cuda/targets/x86_64-linux/lib /usr/local/cuda/lib; do
    echo "$d"
  done
  # The wheels: nvidia/cudnn/lib (nvidia-cudnn-cu13), nvidia/cublas/lib (CUDA 12 layout) and
  # nvidia/cu13/lib (CUDA 13's consolidated toolkit wheel), wherever Python looks for packages.
  if command -v "$PY" > /dev/null 2>&1; then
    "$PY" - << 'EOF' 2> /dev/null
import glob, os, sys
seen = set()
for entry in sys.path:
    for lib in sorted(glob.glob(os.path.join(entry or ".", "nvidia", "*", "lib"))):
        lib = os.path.realpath(lib)
        if lib not in seen:
            seen.add(lib)
            print(lib)
EOF
  fi
}
CANDIDATES=()
first_dir_with() {  # library name -> the first candidate folder holding it
  local d
  for d in "${CANDIDATES[@]}"; do
    if [ -e "$d/$1" ]; then echo "$d"; return 0; fi
  done
  return 1
}

step_libraries() {
  local t0=$SECONDS missing=() found=() lib dir added=
  mapfile -t CANDIDATES < <(candidate_dirs)
  for lib in libcublas.so.13 libcublasLt.so.13 libcudnn.so.9; do
    if dir=$(first_dir_with "$lib"); then
      found+=("$lib: $dir")
      case ":$added:" in *":$dir:"*) ;; *) added=${added:+$added:}$dir ;; esac
    else
      missing+=("$lib")
    fi
  done
  CUDNN_DIR=$(first_dir_with libcudnn.so.9 || true)
  CUBLAS_DIR=$(first_dir_with libcublas.so.13 || true)
  NCCL_DIR=$(first_dir_with libnccl.so.2 || true)  # for the nccl step only
  if [ -n "$NCCL_DIR" ]; then
    found+=("libnccl.so.2: $NCCL_DIR")
    case ":$added:" in *":$NCCL_DIR:"*) ;; *) added=${added:+$added:}$NCCL_DIR ;; esac
  fi
  [ -n "$added" ] && export LD_LIBRARY_PATH=$added${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  detail "### libraries" ""
  for lib in "${found[@]}"; do detail "- $lib"; done
  detail "- LD_LIBRARY_PATH for the kit's binaries: \`${LD_LIBRARY_PATH:-}\`"
  # cuDNN 9 opens its sub-libraries (graph, engines, heuristics) from its own folder at run time.
  if [ -n "$CUDNN_DIR" ]; then
    local sub have=()
    for sub in libcudnn_graph.so.9 libcudnn_engines_precompiled.so.9 libcudnn_engines_runtime_compiled.so.9 \
               libcudnn_heuristic.so.9 libcudnn_ops.so.9 libcudnn_cnn.so.9 libcudnn_adv.so.9; do
      [ -e "$CUDNN_DIR/$sub" ] && have+=("$sub") || missing+=("$sub (next to libcudnn.so.9)")
    done
    detail "- cuDNN sub-libraries in $CUDNN_DIR: ${have[*]:-none}"
  fi
  # Every shared library each binary needs must resolve (ldd runs no GPU code).
  local bin unresolved
  for bin in "${LINKED_BINARIES[@]}"; do
    if [ ! -x "$BIN/$bin" ]; then missing+=("$bin (the kit's binary)"); continue; fi
    ldd "$BIN/$bin" > "$OUT/logs/ldd_$bin.log" 2>&1
    unresolved=$(awk '/not found/ {print $1}' "$OUT/logs/ldd_$bin.log" | tr '\n' ' ')
    [ -n "$unresolved" ] && missing+=("$bin needs $unresolved")
    detail "- \`ldd $bin\`: $(awk '/=>/ {print $1}' "$OUT/logs/ldd_$bin.log" | tr '\n' ' ')"
  done
  detail ""
  if ((${#missing[@]})); then
    record libraries FAILED $((SECONDS - t0)) "missing: ${missing[*]}"
  else
    record libraries passed $((SECONDS - t0)) "cuDNN in ${CUDNN_DIR}, cuBLAS in ${CUBLAS_DIR}"
  fi
}

# ---- 2. data ----------------------------------------------------------------------------------
step_data() {
  local t0=$SECONDS problems=() f size
  for f in configs/cpu/kdup_cifar10_lt_split1.json configs/cpu/simclr_cifar10_lt_split1.json \
           configs/cifar10_lt/kdup_simclr.json reference/bench_reference.py reference/resnet18_golden.py \
           reference/safetensors_io.py datasets/ood/ood_tinyimagenet32_33k.npy datasets/KIT_DATA.md; do
    [ -s "$f" ] || problems+=("$f missing")
  done
  for f in datasets/cifar-10-batches-bin/data_batch_{1,2,3,4,5}.bin datasets/cifar-10-batches-bin/test_batch.bin; do
    if [ ! -s "$f" ]; then problems+=("$f missing"); continue; fi
    size=$(stat -c %s "$f")
    ((size % 3073 == 0)) || problems+=("$f: $size bytes, not whole 3073-byte records")
  done
  for f in split1_D_i trainIdxList valIdxList split1_S_b sanitize_D_i; do
    [ -s "datasets/splits/cifar10/$f.npy" ] || problems+=("datasets/splits/cifar10/$f.npy missing")
  done
  detail "### data" "" "$(sed -n '/^|/p' datasets/KIT_DATA.md 2> /dev/null)" ""
  if ((${#problems[@]})); then
    record data FAILED $((SECONDS - t0)) "${problems[*]}"
  else
    record data passed $((SECONDS - t0)) "CIFAR-10-LT split 1 subset (datasets/KIT_DATA.md)"
  fi
}

# ---- 3. versions -------------------------------------------------------------------------------
NVCC=$(command -v nvcc || ls /usr/local/cuda/bin/nvcc 2> /dev/null || true)
SANITIZER=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer \
            /usr/local/cuda/compute-sanitizer/compute-sanitizer 2> /dev/null | head -1 || true)
library_versions() {  # cuDNN and cuBLAS versions through their C APIs (no GPU needed)
  "$PY" - "${CUDNN_DIR:-}" "${CUBLAS_DIR:-}" << 'EOF' 2>&1
import ctypes, os, sys
cudnn_dir, cublas_dir = sys.argv[1], sys.argv[2]
try:
    lib = ctypes.CDLL(os.path.join(cudnn_dir, "libcudnn.so.9"))
    lib.cudnnGetVersion.restype = ctypes.c_size_t
    v = lib.cudnnGetVersion()
    print(f"cuDNN {v // 10000}.{v % 10000 // 100}.{v % 100} ({cudnn_dir})")
except OSError as e:
    print(f"cuDNN: cannot load libcudnn.so.9: {e}")
try:
    lib = ctypes.CDLL(os.path.join(cublas_dir, "libcublas.so.13"))
    parts = []
    for kind in range(3):  # MAJOR_VERSION, MINOR_VERSION, PATCH_LEVEL
        value = ctypes.c_int()
        lib.cublasGetProperty(kind, ctypes.byref(value))
        parts.append(str(value.value))
    print(f"cuBLAS {'.'.join(parts)} ({cublas_dir})")
except OSError as e:
    print(f"cuBLAS: cannot load libcublas.so.13: {e}")
EOF
}
GPU_INDEX=0
case ${CUDA_VISIBLE_DEVICES:-} in [0-9]*) GPU_INDEX=${CUDA_VISIBLE_DEVICES%%,*} ;; esac
step_versions() {
  local t0=$SECONDS
  detail "### versions" ""
  detail "- kit: $(head -3 "$KIT/MANIFEST.txt" 2> /dev/null | tr '\n' ' ')"
  if command -v "$PY" > /dev/null 2>&1; then
    while read -r line; do detail "- $line"; done < <(library_versions)
    detail "- PyTorch: $("$PY" -c 'import torch; print(torch.__version__, "CUDA", torch.version.cuda, "cuDNN", torch.backends.cudnn.version())' 2>&1 | tail -1)"
  else
    detail "- $PY not found: no cuDNN/cuBLAS version, no PyTorch"
  fi
  detail "- nvcc: $( [ -n "$NVCC" ] && "$NVCC" --version | tail -2 | tr '\n' ' ' || echo 'not found')"
  detail "- compute-sanitizer: ${SANITIZER:-not found}"
  if ((DRY_RUN)); then
    detail "- dry run: nvidia-smi not queried" ""
    record versions "dry run" $((SECONDS - t0)) "library versions only; GPU and driver need nvidia-smi"
    return
  fi
  local smi
  if ! smi=$(nvidia-smi -i "$GPU_INDEX" --query-gpu=name,driver_version,memory.total,compute_cap \
             --format=csv,noheader 2>&1); then
    detail "- nvidia-smi failed: $smi" ""
    record versions FAILED $((SECONDS - t0)) "nvidia-smi failed: $(echo "$smi" | head -1)"
    return
  fi
  detail "- GPU $GPU_INDEX (name, driver, memory, compute capability): $smi"
  detail "- driver's CUDA: $(nvidia-smi | grep -o 'CUDA Version: [0-9.]*' | head -1)"
  detail "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores" ""
  record versions passed $((SECONDS - t0)) "$smi"
}

# ---- 4. the CUDA tests ------------------------------------------------------------------------------
# The CUDA tests: those defined in tests/cuda/, and any other whose name says CUDA, GPU or devices
# (e.g. Conv2d.RejectsTensorsOnDifferentDevices), less TESTS_EXCLUDED.
select_cuda_tests() {
  "$PY" - "$WORK/list.json" "$TESTS_EXCLUDED" << 'EOF'
import json, re, sys
listing, excluded = json.load(open(sys.argv[1])), set(filter(None, sys.argv[2].split(":")))
names = []
for suite in listing["testsuites"]:
    for test in suite["testsuite"]:
        full = suite["name"] + "." + test["name"]
        if full in excluded:
            continue
        if "/tests/cuda/" in test.get("file", "") or re.search(r"cuda|gpu|devices?\b", full, re.I):
            names.append(full)
print(":".join(names))
EOF
}
step_cuda_tests() {
  local t0=$SECONDS filter count
  if ! timeout 60 "$BIN/kdup_tests" --gtest_list_tests --gtest_output="json:$WORK/list.json" > "$OUT/logs/test_list.log" 2>&1; then
    record cuda_tests FAILED $((SECONDS - t0)) "kdup_tests --gtest_list_tests failed; logs/test_list.log"
    return
  fi
  if ! filter=$(select_cuda_tests) || [ -z "$filter" ]; then
    record cuda_tests FAILED $((SECONDS - t0)) "no CUDA tests found in kdup_tests' list"
    return
  fi
  count=$(tr ':' '\n' <<< "$filter" | wc -l)
  detail "### cuda_tests" "" "$count tests selected (tests/cuda/ and names with CUDA/GPU/devices); excluded: \`$TESTS_EXCLUDED\`" ""
  run_step cuda_tests 75 "$BIN/kdup_tests" "--gtest_filter=$filter" "--gtest_output=json:$OUT/cuda_tests.json"
  local rc=$?
  ((rc == 125 || rc == 124)) && return
  gtest_verdict "$OUT/cuda_tests.json" "$count"
}

# gtest_verdict JSON EXPECTED: amends the last step from gtest's JSON results: failed when a test
# failed or was skipped, or when not EXPECTED tests ran (0: any number but none).
gtest_verdict() {
  local summary
  if ! summary=$("$PY" - "$1" "$2" << 'EOF'
import json, sys
try:
    result = json.load(open(sys.argv[1]))
except (OSError, ValueError) as e:
    print(f"no test results ({e})"); sys.exit(1)
ran, skipped, failed = 0, [], []
for suite in result.get("testsuites", []):
    for test in suite.get("testsuite", []):
        ran += 1
        name = suite["name"] + "." + test["name"]
        if test.get("result") == "SKIPPED" or test.get("status") == "NOTRUN":
            skipped.append(name)
        if test.get("failures"):
            failed.append(name)
expected = int(sys.argv[2])
wrong_count = expected > 0 and ran != expected
print(f"{ran} run, {ran - len(skipped) - len(failed)} passed, {len(failed)} failed, {len(skipped)} skipped"
      + (f"; FAILED: {' '.join(failed)}" if failed else "")
      + (f"; SKIPPED: {' '.join(skipped)}" if skipped else "")
      + (f"; expected {expected} tests" if wrong_count else ""))
sys.exit(1 if skipped or failed or wrong_count or ran == 0 else 0)
EOF
  ); then
    amend_last FAILED "$summary"
  else
    amend_last passed "$summary"
  fi
  detail "- $summary" ""
}

# ---- 4b. NCCL over one process ------------------------------------------------------------------
step_nccl() {
  if [ ! -x "$BIN/kdup_nccl_tests" ]; then
    record nccl FAILED 0 "kdup_nccl_tests is not in the kit"
    return
  fi
  if [ -z "${NCCL_DIR:-}" ] && ((!DRY_RUN)); then
    record nccl FAILED 0 "libnccl.so.2 not found (LD_LIBRARY_PATH, ldconfig, the toolkit, the wheels' nvidia/*/lib)"
    return
  fi
  detail "### nccl" ""
  run_step nccl 40 "$BIN/kdup_nccl_tests" "--gtest_output=json:$OUT/nccl_tests.json"
  local rc=$?
  ((rc == 125 || rc == 124)) && return
  gtest_verdict "$OUT/nccl_tests.json" 0
}

# ---- 5, 6. compute-sanitizer on 10 SimCLR steps ------------------------------------------------------
# 320 images (sanitize_D_i.npy) at batch 32: one epoch of 10 steps, then the evaluation's embedding
# passes on 64 test and 64 probe images; no probes.
step_sanitizer() {  # tool
  local tool=$1
  if [ -z "$SANITIZER" ] && ((!DRY_RUN)); then
    record "$tool" FAILED 0 "compute-sanitizer not found (PATH, /usr/local/cuda/bin, /usr/local/cuda/compute-sanitizer)"
    return
  fi
  local args=(run --config configs/cpu/simclr_cifar10_lt_split1.json --set run.device=cuda
              --set "run.dir=$WORK/runs" --set "run.name=$tool"
              --set data.pretrain_split=datasets/splits/cifar10/sanitize_D_i.npy
              --set train.epochs=1 --set train.batch_size=32 --set optim.warmup_epochs=0
              --set "model.width=$SANITIZE_WIDTH" --set eval.linear=false --set eval.fewshot=false
              --set data.limit_test=64 --set data.limit_probe_train=64)
  run_step "$tool" 80 "${SANITIZER:-compute-sanitizer}" --tool "$tool" --error-exitcode 3 \
    --print-limit 20 "$BIN/kdup" "${args[@]}"
  local rc=$?
  ((rc == 125)) && return
  local summary progress
  summary=$(grep -E "ERROR SUMMARY|RACECHECK SUMMARY" "$OUT/logs/$tool.log" | tail -1 | sed "s/^=* *//")
  progress=$(tr '\r' '\n' < "$OUT/logs/$tool.log" | grep -o 'step *[0-9]*/[0-9]*' | tail -1)
  detail "### $tool" "" "- \`${summary:-no sanitizer summary in logs/$tool.log}\`" \
    "- training reached ${progress:-no step}; command: \`$(quote "${SANITIZER:-compute-sanitizer}" --tool "$tool" --error-exitcode 3 kdup "${args[@]}")\`" ""
  if ((rc == 3)); then
    amend_last FAILED "errors reported: ${summary:-see logs/$tool.log}"
  elif ((rc == 0)); then
    amend_last passed "${summary:-no summary line}"
  fi
}

# ---- 7. ResNet-18 SimCLR step, batch 512, kdup against PyTorch ------------------------------------------
# Peak device memory as nvidia-smi sees it (the whole device, less what was in use before), the same
# yardstick for both, next to each allocator's own reservation.
start_sampler() {
  if ((DRY_RUN)) || ! command -v nvidia-smi > /dev/null; then return; fi
  BASELINE_MIB=$(nvidia-smi -i "$GPU_INDEX" --query-gpu=memory.used --format=csv,noheader,nounits 2> /dev/null | head -1)
  nvidia-smi -i "$GPU_INDEX" --query-gpu=memory.used --format=csv,noheader,nounits -lms 100 > "$WORK/sampler.txt" 2> /dev/null &
  SAMPLER_PID=$!
}
stop_sampler() {  # -> peak MiB above the baseline, or "?"
  if [ -z "$SAMPLER_PID" ]; then echo "?"; return; fi
  kill "$SAMPLER_PID" 2> /dev/null
  wait "$SAMPLER_PID" 2> /dev/null
  SAMPLER_PID=
  awk -v base="${BASELINE_MIB:-0}" '$1 ~ /^[0-9]+$/ && $1 > m {m = $1} END {print (m ? m - base : "?")}' "$WORK/sampler.txt"
}
json_field() {  # log file, field -> the field of the last JSON line
  "$PY" - "$1" "$2" << 'EOF' 2> /dev/null
import json, sys
lines = [l for l in open(sys.argv[1]) if l.startswith("{")]
value = json.loads(lines[-1]).get(sys.argv[2], "?") if lines else "?"
print(value)
EOF
}
step_bench() {
  local bench_args=(--mode simclr --device cuda --width 1 --batch "$BENCH_BATCH" --steps "$BENCH_STEPS" --warmup "$BENCH_WARMUP")
  local peak_kdup="?" peak_torch="?"
  start_sampler
  run_step bench_kdup 45 "$BIN/kdup_bench" "${bench_args[@]}"
  peak_kdup=$(stop_sampler)
  start_sampler
  # PyTorch with its own library path; TF32 is off in bench_reference.py unless --allow-tf32.
  run_step bench_pytorch 60 env "LD_LIBRARY_PATH=$ORIGINAL_LD_LIBRARY_PATH" "$PY" "$KIT/reference/bench_reference.py" "${bench_args[@]}"
  peak_torch=$(stop_sampler)
  ((DRY_RUN)) && return
  local impl log
  detail "### bench: ResNet-18 (CIFAR stem, width 1) SimCLR step, batch $BENCH_BATCH (two views), float32, TF32 off" ""
  detail "| | images/s (best) | images/s (median) | step s (median) | allocator reserved MiB | device peak MiB (nvidia-smi) |" "|---|---|---|---|---|---|"
  for impl in kdup pytorch; do
    log=$OUT/logs/bench_$impl.log
    local peak=$peak_kdup
    [ $impl = pytorch ] && peak=$peak_torch
    detail "| $(json_field "$log" impl) | $(json_field "$log" best_items_per_s) | $(json_field "$log" median_items_per_s) | $(json_field "$log" median_seconds) | $(json_field "$log" device_reserved_mib) | $peak |"
  done
  local ratio
  ratio=$("$PY" -c "import sys; k, t = float(sys.argv[1]), float(sys.argv[2]); print(f'{k / t:.2f}')" \
          "$(json_field "$OUT/logs/bench_kdup.log" median_items_per_s)" \
          "$(json_field "$OUT/logs/bench_pytorch.log" median_items_per_s)" 2> /dev/null || echo "?")
  detail "" "kdup/PyTorch median images/s: $ratio. PyTorch's peak allocated: $(json_field "$OUT/logs/bench_pytorch.log" peak_allocated_mib) MiB." ""
}

# ---- 8. three epochs of the CPU-scale KDUP config at full width -------------------------------------------
# Stage 1 of 3 epochs (1 of SimCLR warm-up, then a refresh after epochs 1 and 2 with a budget of 300
# of the kit's 2,000 pool images, the CPU config's 15%), 1 epoch of stage 2, then the config's
# evaluation (linear and few-shot probes on cached features).
KDUP_ARGS=(run --config configs/cpu/kdup_cifar10_lt_split1.json --set run.device=cuda
           --set "run.dir=$WORK/runs" --set run.name=kdup_3_epochs --set model.width=1.0
           --set train.epochs=3 --set stage1.warmup_epochs=1 --set stage1.refresh_every=1
           --set stage1.ood_budget=300 --set stage2.epochs=1 --set stage2.warmup_epochs=0)
step_kdup_3_epochs() {
  run_step kdup_3_epochs 120 "$BIN/kdup" "${KDUP_ARGS[@]}"
  local rc=$?
  ((rc == 125)) && return
  local run=$WORK/runs/kdup_3_epochs
  mkdir -p "$OUT/kdup_3_epochs"
  cp "$run/results.md" "$run/log.jsonl" "$run/config.json" "$OUT/kdup_3_epochs/" 2> /dev/null
  detail "### kdup_3_epochs" "" "\`kdup $(quote "${KDUP_ARGS[@]}")\`" ""
  if [ -f "$run/log.jsonl" ]; then
    detail "| stage | epoch | loss | images/s | seconds |" "|---|---|---|---|---|"
    "$PY" - "$run/log.jsonl" "$run/stage2/log.jsonl" << 'EOF' >> "$DETAILS" 2> /dev/null
import json, sys
for path in sys.argv[1:]:
    try:
        lines = open(path).read().splitlines()
    except OSError:
        continue
    for line in lines:
        r = json.loads(line)
        if "images_per_second" in r:
            print(f"| {r.get('stage', '?')} | {r.get('epoch')} | {r.get('loss', float('nan')):.4f} | "
                  f"{r['images_per_second']:.0f} | {r.get('seconds', 0):.1f} |")
EOF
    detail ""
  fi
  [ -f "$run/results.md" ] && detail "$(sed 's/^#/####/' "$run/results.md")" ""
}

# ---- the report ---------------------------------------------------------------------------------------
write_report() {
  local i failed=0
  {
    echo "# kdup GPU kit report"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'), host $(hostname), $( ((DRY_RUN)) && echo 'DRY RUN (no GPU step was run)' || echo 'full run'), $((SECONDS - START)) s of at most ${TOTAL_SECONDS} s."
    echo
    echo "| step | status | seconds | note |"
    echo "|---|---|---|---|"
    for i in "${!STEP_NAMES[@]}"; do
      echo "| ${STEP_NAMES[i]} | ${STEP_STATUS[i]} | ${STEP_SECONDS[i]} | ${STEP_NOTES[i]//|/\\|} |"
    done
    echo
    cat "$DETAILS"
    echo "Logs: \`logs/\` next to this file."
  } > "$REPORT"
  for i in "${!STEP_STATUS[@]}"; do
    case ${STEP_STATUS[i]} in passed | "dry run") ;; *) failed=1 ;; esac
  done
  return $failed
}

echo "kdup GPU kit check: kit $KIT, report $REPORT$( ((DRY_RUN)) && echo ', dry run')"
if ! command -v "$PY" > /dev/null 2>&1; then
  echo "check.sh: error: $PY not found (set PYTHON to a Python 3); the test and report steps need it" >&2
  exit 2
fi
step_unpack
step_libraries
step_data
step_versions
if ((DRY_RUN)); then
  # The listing needs no GPU: show which tests the GPU run would select.
  if timeout 60 "$BIN/kdup_tests" --gtest_list_tests --gtest_output="json:$WORK/list.json" > "$OUT/logs/test_list.log" 2>&1 &&
     filter=$(select_cuda_tests) && [ -n "$filter" ]; then
    record test_list passed 0 "$(tr ':' '\n' <<< "$filter" | wc -l) CUDA tests selected"
    detail "### cuda_tests (dry run)" "" "selected: \`$filter\`" ""
    echo "dry run: cuda_tests would run (timeout 75s): $BIN/kdup_tests --gtest_filter=<the $(tr ':' '\n' <<< "$filter" | wc -l) tests above> --gtest_output=json:$OUT/cuda_tests.json"
    record cuda_tests "dry run" 0 "needs a GPU; not run"
  else
    record test_list FAILED 0 "kdup_tests --gtest_list_tests found no CUDA tests; logs/test_list.log"
  fi
else
  step_cuda_tests
fi
step_nccl
step_sanitizer memcheck
step_sanitizer racecheck
step_bench
step_kdup_3_epochs
if write_report; then
  echo "check.sh: every step passed; report: $REPORT"
  exit 0
fi
echo "check.sh: some steps failed or did not finish (see the table in $REPORT)" >&2
exit 1
