// The CPU/CUDA parity harness shared by the parity tests: seeded input pairs (a CPU tensor and its
// copy on the GPU) and the normalised error max|cuda - cpu| / max(1, max|cpu|) with its tolerances
// (1e-5 in float32, 1e-10 in float64).
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "autograd/grad_mode.h"
#include "ops/ops.h"

namespace kdup {

// The normalised error max|a - b| / max(1, max|b|) between a CUDA result and the CPU's.
inline double parity_error(const Tensor& cuda_result, const Tensor& cpu_result) {
  const std::vector<double> a = cuda_result.to(Device::cpu).to_vector<double>();
  const std::vector<double> b = cpu_result.to_vector<double>();
  EXPECT_EQ(a.size(), b.size());
  double diff = 0, scale = 1;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    diff = std::max(diff, std::abs(a[i] - b[i]));
    scale = std::max(scale, std::abs(b[i]));
  }
  return diff / scale;
}

inline double tolerance(DType t) { return t == DType::f32 ? 1e-5 : 1e-10; }

#define EXPECT_PARITY(cuda_result, cpu_result)                                          \
  EXPECT_LE(parity_error(cuda_result, cpu_result), tolerance((cpu_result).dtype()))    \
      << #cuda_result " vs " #cpu_result

#define EXPECT_SAME_INDICES(cuda_result, cpu_result)                                    \
  EXPECT_EQ((cuda_result).to(Device::cpu).to_vector<int64_t>(),                         \
            (cpu_result).to_vector<int64_t>())                                          \
      << #cuda_result " vs " #cpu_result

// An input pair: a seeded CPU tensor and its copy on the GPU.
struct Pair {
  Tensor cpu, gpu;
};
inline Pair seeded(const Shape& shape, uint64_t seed, DType dtype, double scale = 1, double shift = 0) {
  NoGradGuard no_grad;
  Tensor t = Tensor::randn(shape, seed, dtype) * scale + shift;
  return {t, t.to(Device::cuda)};
}
inline Pair positive(const Shape& shape, uint64_t seed, DType dtype) {
  NoGradGuard no_grad;
  Tensor t = abs(Tensor::randn(shape, seed, dtype)) + 0.5;
  return {t, t.to(Device::cuda)};
}
inline Pair from_cpu(const Tensor& t) { return {t, t.to(Device::cuda)}; }
inline Pair empty_pair(const Shape& shape, DType dtype) {
  return {Tensor::empty(shape, dtype), Tensor::empty(shape, dtype, Device::cuda)};
}
inline Pair zeros_pair(const Shape& shape, DType dtype) {
  return {Tensor::zeros(shape, dtype), Tensor::zeros(shape, dtype, Device::cuda)};
}

}  // namespace kdup
