#include "fma_peak.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace kdup {

namespace {

// Independent chains, enough to cover the FMA latency (4 cycles) on two FMA pipes.
constexpr int kChains = 12;
constexpr int64_t kIterations = 10'000'000;

// kChains independent FMA chains of vectors V, kIterations long; returns the sum of their lanes so
// that the compiler must compute them. Inlined into the two functions below, each compiled for
// its instruction set (the multiply-add is contracted to an FMA there).
template <class V>
__attribute__((always_inline)) inline float fma_chains() {
  const V a = V{} + 0.999999f, b = V{} + 1e-7f;
  V acc[kChains];
  for (int j = 0; j < kChains; ++j) acc[j] = V{} + static_cast<float>(j);
  for (int64_t i = 0; i < kIterations; ++i)
    for (int j = 0; j < kChains; ++j) acc[j] = acc[j] * a + b;
  float sum = 0;
  for (int j = 0; j < kChains; ++j)
    for (size_t lane = 0; lane < sizeof(V) / sizeof(float); ++lane) sum += acc[j][lane];
  return sum;
}

__attribute__((target("avx512f"))) float fma_chains_avx512() {
  return fma_chains<float __attribute__((vector_size(64)))>();
}

__attribute__((target("avx2,fma"))) float fma_chains_avx2() {
  return fma_chains<float __attribute__((vector_size(32)))>();
}

}  // namespace

double measured_fma_peak_gflops() {
  const bool avx512 = __builtin_cpu_supports("avx512f");
  const double flops_per_thread = 2.0 * kChains * (avx512 ? 16 : 8) * kIterations;
  double best = 0;
  volatile float sink = 0;
  for (int repetition = 0; repetition < 5; ++repetition) {
    const auto start = std::chrono::steady_clock::now();
    float sum = 0;
#pragma omp parallel reduction(+ : sum)
    sum += avx512 ? fma_chains_avx512() : fma_chains_avx2();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    sink = sink + sum;
    best = std::max(best, omp_get_max_threads() * flops_per_thread / seconds * 1e-9);
  }
  return best;
}

}  // namespace kdup
