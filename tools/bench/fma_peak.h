// The CPU's fused multiply-add throughput as measured, the 100% of kdup_bench's "% of FMA peak".
#pragma once

namespace kdup {

// GFLOP/s of every OpenMP thread running independent register-only FMA chains with the widest
// vectors the CPU has (AVX-512, else AVX2): what the cores do at the clock they really run, which
// under a hypervisor is not the one /proc/cpuinfo reports. Best of a few repetitions.
double measured_fma_peak_gflops();

}  // namespace kdup
