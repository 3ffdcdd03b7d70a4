// Per-element math of batch normalisation over x viewed as [N, C, S], per channel c with the
// M = N * S values x_j of that channel:
//   training   mean = sum_j x_j / M,  var = sum_j (x_j - mean)^2 / M (biased),
//              invstd = 1 / sqrt(var + eps)
//   inference  mean, var = the running statistics
//   output     y = (x - mean) * invstd * gamma + beta
//   backward   with xhat = (x - mean) * invstd and g = dL/dy,
//              dL/dbeta = sum g,  dL/dgamma = sum g xhat,
//              dL/dx = gamma * invstd / M * (M g - sum g - xhat sum g xhat)
// Shared by the CUDA kernels (instantiated with double, as the CPU accumulates) and checked against
// the CPU kernels on the host. An undefined gamma
// or beta counts as 1 or 0.
#pragma once
#include <cmath>
#include <cstdint>

#include "tensor/hostdevice.h"

namespace kdup {

template <class T>
KDUP_HD T batch_norm_invstd(T variance, double eps) {
  return T(1) / std::sqrt(variance + static_cast<T>(eps));
}

template <class T>
KDUP_HD T batch_norm_output(T x, T mean, T invstd, T gamma, T beta) {
  return (x - mean) * invstd * gamma + beta;
}

template <class T>
KDUP_HD T batch_norm_grad_input(T grad_y, T xhat, T gamma, T invstd, int64_t count, T sum_grad,
                                T sum_grad_xhat) {
  const T m = static_cast<T>(count);
  return gamma * invstd / m * (m * grad_y - sum_grad - xhat * sum_grad_xhat);
}

// dL/dy after a fused ReLU with output r = relu(y): g where r > 0, else 0.
template <class T>
KDUP_HD T batch_norm_relu_grad(T grad, T relu_output) {
  return relu_output > T(0) ? grad : T(0);
}

}  // namespace kdup
