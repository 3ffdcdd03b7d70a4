#include "fma_peak.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace kdup {

namespace {

// Independent chains, enough to cover the FMA latency (4 cycles) on two FMA pipes.
constexpr int kChains = 12;
constexpr int64_t kIterations = 10'000'000;

// Each returns a sum of its chains so that the compiler must compute them.
__attribute__((target("avx512f"))) float fma_chains_avx512() {
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  __m512 acc[kChains];
  for (int j = 0; j < kChains; ++j) acc[j] = _mm512_set1_ps(static_cast<float>(j));
  for (int64_t i = 0; i < kIterations; ++i)
    for (int j = 0; j < kChains; ++j) acc[j] = _mm512_fmadd_ps(acc[j], a, b);
  alignas(64) float lanes[16];
  float sum = 0;
  for (int j = 0; j < kChains; ++j) {
    _mm512_store_ps(lanes, acc[j]);
    for (float v : lanes) sum += v;
  }
  return sum;
}

__attribute__((target("avx2,fma"))) float fma_chains_avx2() {
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  __m256 acc[kChains];
  for (int j = 0; j < kChains; ++j) acc[j] = _mm256_set1_ps(static_cast<float>(j));
  for (int64_t i = 0; i < kIterations; ++i)
    for (int j = 0; j < kChains; ++j) acc[j] = _mm256_fmadd_ps(acc[j], a, b);
  alignas(32) float lanes[8];
  float sum = 0;
  for (int j = 0; j < kChains; ++j) {
    _mm256_store_ps(lanes, acc[j]);
    for (float v : lanes) sum += v;
  }
  return sum;
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
