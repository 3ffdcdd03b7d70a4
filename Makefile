# The front door. On a fresh Debian/Ubuntu machine:
#   make demo   installs what is missing, builds, prepares the data and runs the CPU-scale
#               SimCLR+KDUP config on CIFAR-10-LT split 1 end to end (stage 1, stage 2, linear
#               probe, few-shot; on a GPU when one is present)
#   make compare  the same for SimCLR, SimCLR+COLT and SimCLR+KDUP at equal compute, side by side
#               (SEEDS="0 1 2": each once per seed, mean ± standard deviation)
#   make test   installs what is missing, builds everything and runs the test suite
#   make sanitize  the test suite built with AddressSanitizer and UndefinedBehaviorSanitizer
#   make fuzz   every fuzz target of tools/fuzz/ for FUZZ_SECONDS seconds (clang, libFuzzer)
#   make gpu-kit  a self-contained folder (gpu-kit/) to carry to a bare GPU machine and run
#               gpu-kit/check.sh there (docs/gpu_kit.md)
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
DEMO_CONFIG ?= configs/cpu/kdup_cifar10_lt_split1.json
# SimCLR, SimCLR+COLT and SimCLR+KDUP at CPU scale and equal training compute (METHOD.md 2b).
COMPARE_CONFIGS := configs/cpu/simclr_cifar10_lt_split1.json \
                   configs/cpu/simclr_colt_cifar10_lt_split1.json \
                   configs/cpu/kdup_cifar10_lt_split1.json
# The seeds each method runs with (run.seed): make compare SEEDS="0 1 2".
SEEDS ?= 0
# The component attribution at the same budget (BENCHMARKS.md): the three above, then KDUP's
# parts one by one, then the departure from the paper's settings that the study measured
# (configs/cpu/departures/: stage 2 at a learning rate for a short stage 2).
ATTRIBUTION_CONFIGS := $(COMPARE_CONFIGS) configs/cpu/attribution/kdup_stage1_only.json \
                       configs/cpu/attribution/simclr_stage2.json \
                       configs/cpu/attribution/kdup_random_ood.json \
                       configs/cpu/attribution/kdup_augmented_id.json \
                       configs/cpu/departures/kdup_stage2_lr0.015.json
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Debian packages the build, the tests and the data preparation need; the PyTorch reference scripts
# (tools/reference/, `make bench`) need REFERENCE_PACKAGES as well.
DEB_PACKAGES := build-essential cmake libopenblas-openmp-dev libdnnl-dev nlohmann-json3-dev libstb-dev \
                libjpeg-dev googletest libgtest-dev xz-utils curl libopenmpi-dev openmpi-bin
REFERENCE_PACKAGES := python3-torch python3-numpy
# `make gpu-kit` needs Python (the data subset); its static archives come with DEB_PACKAGES.
KIT_PACKAGES := python3

.PHONY: all deps deps-if-missing reference-deps test sanitize fuzz data demo compare attribution \
        budget budget-report bench gpu-kit clean

all: deps-if-missing $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

deps:
	$(SUDO) apt-get update
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends $(DEB_PACKAGES)

# Runs `deps` only when a package is missing, so repeated builds stay offline and quick.
deps-if-missing:
	@dpkg -s $(DEB_PACKAGES) >/dev/null 2>&1 || $(MAKE) deps

reference-deps:
	@dpkg -s $(REFERENCE_PACKAGES) >/dev/null 2>&1 || $(MAKE) deps DEB_PACKAGES="$(REFERENCE_PACKAGES)"

# One test at a time: each test already uses every core through OpenMP, and two OpenMP teams on the
# same cores wait on each other (oneDNN's spin barriers made a 0.5 s test take 2 minutes).
test: all
	cd $(BUILD) && ctest --output-on-failure

# The whole CPU suite under AddressSanitizer and UndefinedBehaviorSanitizer: the first report fails
# its test (halt_on_error; UBSan's -fno-sanitize-recover). OpenBLAS and oneDNN are not instrumented.
SANITIZE_BUILD ?= build-sanitize
sanitize: deps-if-missing
	cmake -S . -B $(SANITIZE_BUILD) -DCMAKE_BUILD_TYPE=Release -DKDUP_CUDA=OFF -DKDUP_SANITIZE=ON
	cmake --build $(SANITIZE_BUILD) -j $(JOBS) --target kdup_tests kdup
	cd $(SANITIZE_BUILD) && ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 \
	  UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure

# Each reader of outside bytes fuzzed for FUZZ_SECONDS seconds under ASan and UBSan, starting from
# tools/fuzz/corpus/<target>/ (new inputs go to $(FUZZ_BUILD)/corpus/). A crash stops with the
# input that caused it in $(FUZZ_BUILD)/crash-*; tools/fuzz/README.md says what to do with it.
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := npy safetensors cifar image_list ood_pool config
fuzz:
	@dpkg -s clang libomp-dev >/dev/null 2>&1 || $(MAKE) deps DEB_PACKAGES="clang libomp-dev"
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Release -DKDUP_CUDA=OFF \
	  -DKDUP_ONEDNN=OFF -DKDUP_FUZZ=ON
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target $(addprefix fuzz_,$(FUZZ_TARGETS))
	tools/fuzz/run_all.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

data:
	tools/prepare_data.sh

demo: all data
	$(BUILD)/kdup run --config $(DEMO_CONFIG) --resume

# The runs one after the other, once per seed (each resumes where it stopped), then their rows
# side by side, mean ± standard deviation over the seeds, in runs/compare_cpu.md and one report.
compare: all data
	tools/study/compare_seeds.sh $(BUILD) runs/compare_cpu "$(SEEDS)" $(COMPARE_CONFIGS)

attribution: all data
	tools/study/compare_seeds.sh $(BUILD) runs/attribution_cpu "$(SEEDS)" $(ATTRIBUTION_CONFIGS)

# A point of the budget curve: the three methods at BUDGET (2 or 4) times the compare budget.
BUDGET ?= 2
budget: all data
	tools/study/compare_seeds.sh $(BUILD) runs/budget_$(BUDGET)x_cpu "$(SEEDS)" \
	  $(foreach m,simclr simclr_colt kdup,configs/cpu/budget/$(m)_$(BUDGET)x.json)

# The budget curve's page from every finished run of make compare and make budget (any seeds).
budget-report: all
	tools/study/budget_report.sh $(BUILD) docs/budget_study.html $(COMPARE_CONFIGS) \
	  $(foreach b,2 4,$(foreach m,simclr simclr_colt kdup,configs/cpu/budget/$(m)_$(b)x.json))

# kdup against PyTorch on this CPU, side by side; appends the table to BENCHMARKS.md.
bench: all reference-deps
	/usr/bin/python3 tools/bench/cpu_bench.py --build $(BUILD)

# The GPU kit (docs/gpu_kit.md): kdup, kdup_tests and kdup_bench for KIT_ARCHS with every library
# but libc, libstdc++, cuBLAS and cuDNN linked in (-DKDUP_STATIC_KIT=ON, its own build folder),
# check.sh, the PyTorch reference benchmark, the configs and a CIFAR-10-LT subset; then the checks
# of tools/gpu_kit/verify_kit.sh (NEEDED libraries, device code, size, check.sh --dry-run).
# A clean build for two architectures takes about 15 minutes on 2 cores, so CI does not run it.
KIT ?= gpu-kit
KIT_BUILD ?= build-kit
KIT_ARCHS ?= 75;90
gpu-kit: deps-if-missing data
	@dpkg -s $(KIT_PACKAGES) >/dev/null 2>&1 || $(MAKE) deps DEB_PACKAGES="$(KIT_PACKAGES)"
	cmake -S . -B $(KIT_BUILD) -DCMAKE_BUILD_TYPE=Release -DKDUP_STATIC_KIT=ON \
	  "-DCMAKE_CUDA_ARCHITECTURES=$(KIT_ARCHS)"
	cmake --build $(KIT_BUILD) -j $(JOBS) --target kdup kdup_tests kdup_bench kdup_nccl_tests
	tools/gpu_kit/make_kit.sh $(KIT_BUILD) $(KIT)
	KIT_ARCHS="$(subst ;, ,$(KIT_ARCHS))" tools/gpu_kit/verify_kit.sh $(KIT)

clean:
	rm -rf $(BUILD)
