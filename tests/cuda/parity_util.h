// The CPU/CUDA parity harness shared by the parity tests: seeded input pairs (a CPU tensor and its
// copy on the GPU) and the normalised error max|cuda - cpu| / max(1, max|cpu|) with its tolerances
// (1e-5 in float32, 1e-10 in float64).
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "autograd/grad_mode.h"
#include "ops/kernels.h"
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

// The three batch-norm kernels (training forward, evaluation forward, backward) on both backends
// for one shape, with inputs seeded from `seed` to seed + 5.
inline void expect_batch_norm_kernel_parity(const Shape& shape, bool relu, DType dtype,
                                            uint64_t seed) {
  const int64_t c = shape[1];
  const Pair x = seeded(shape, seed, dtype, 2.0, 0.5);
  const Pair gamma = seeded({c}, seed + 1, dtype), beta = seeded({c}, seed + 2, dtype);
  Pair y = empty_pair(shape, dtype), mean = empty_pair({c}, dtype), invstd = empty_pair({c}, dtype);
  cpu::batch_norm_forward_train(x.cpu, gamma.cpu, beta.cpu, 1e-5, relu, y.cpu, mean.cpu,
                                invstd.cpu);
  cuda::batch_norm_forward_train(x.gpu, gamma.gpu, beta.gpu, 1e-5, relu, y.gpu, mean.gpu,
                                 invstd.gpu);
  EXPECT_PARITY(y.gpu, y.cpu);
  EXPECT_PARITY(mean.gpu, mean.cpu);
  EXPECT_PARITY(invstd.gpu, invstd.cpu);

  const Pair running_mean = seeded({c}, seed + 3, dtype);
  const Pair running_var = positive({c}, seed + 4, dtype);
  Pair y_eval = empty_pair(shape, dtype);
  cpu::batch_norm_forward_eval(x.cpu, gamma.cpu, beta.cpu, running_mean.cpu, running_var.cpu, 1e-5,
                               relu, y_eval.cpu);
  cuda::batch_norm_forward_eval(x.gpu, gamma.gpu, beta.gpu, running_mean.gpu, running_var.gpu,
                                1e-5, relu, y_eval.gpu);
  EXPECT_PARITY(y_eval.gpu, y_eval.cpu);

  const Pair gy = seeded(shape, seed + 5, dtype);
  const Tensor relu_cpu = relu ? y.cpu : Tensor(), relu_gpu = relu ? y.gpu : Tensor();
  Pair gx = empty_pair(shape, dtype), gg = empty_pair({c}, dtype), gb = empty_pair({c}, dtype);
  cpu::batch_norm_backward(gy.cpu, relu_cpu, x.cpu, gamma.cpu, mean.cpu, invstd.cpu, gx.cpu,
                           gg.cpu, gb.cpu);
  cuda::batch_norm_backward(gy.gpu, relu_gpu, x.gpu, gamma.gpu, mean.gpu, invstd.gpu, gx.gpu,
                            gg.gpu, gb.gpu);
  EXPECT_PARITY(gx.gpu, gx.cpu);
  EXPECT_PARITY(gg.gpu, gg.cpu);
  EXPECT_PARITY(gb.gpu, gb.cpu);
}

}  // namespace kdup
