// Per-row math of softmax and log-softmax, shared by the CPU kernels and their CUDA twins. A row is
// n elements spaced `stride` apart.
#pragma once
#include <cmath>
#include <cstdint>

#include "tensor/hostdevice.h"

namespace kdup {

template <class T>
KDUP_HD T row_max(const T* x, int64_t n, int64_t stride) {
  T m = x[0];
  for (int64_t i = 1; i < n; ++i) m = x[i * stride] > m ? x[i * stride] : m;
  return m;
}

// Stable softmax: with m = max_j x_j,
//   softmax(x)_i     = exp(x_i - m) / sum_j exp(x_j - m)
//   log_softmax(x)_i = x_i - m - log(sum_j exp(x_j - m))
// Subtracting m changes nothing mathematically and keeps every exp() at most 1.
template <class T>
KDUP_HD void softmax_row(const T* x, T* out, int64_t n, int64_t stride, bool log) {
  if (n <= 0) return;
  const T m = row_max(x, n, stride);
  T total = T(0);
  for (int64_t i = 0; i < n; ++i) total += std::exp(x[i * stride] - m);
  if (log) {
    // (x_i - m) first: folding m and the log into one shift would lose the low bits of large x.
    const T log_total = std::log(total);
    for (int64_t i = 0; i < n; ++i) out[i * stride] = (x[i * stride] - m) - log_total;
  } else {
    const T inv = T(1) / total;
    for (int64_t i = 0; i < n; ++i) out[i * stride] = std::exp(x[i * stride] - m) * inv;
  }
}

// Backward from the output y and its gradient g:
//   softmax:     dL/dx_i = y_i (g_i - sum_j g_j y_j)      (Jacobian diag(y) - y y^T)
//   log-softmax: dL/dx_i = g_i - exp(y_i) sum_j g_j       (Jacobian I - 1 softmax^T)
template <class T>
KDUP_HD void softmax_row_backward(const T* y, const T* g, T* grad_x, int64_t n, int64_t stride,
                                  bool log) {
  T total = T(0);
  if (log) {
    for (int64_t i = 0; i < n; ++i) total += g[i * stride];
    for (int64_t i = 0; i < n; ++i)
      grad_x[i * stride] = g[i * stride] - std::exp(y[i * stride]) * total;
  } else {
    for (int64_t i = 0; i < n; ++i) total += g[i * stride] * y[i * stride];
    for (int64_t i = 0; i < n; ++i) grad_x[i * stride] = y[i * stride] * (g[i * stride] - total);
  }
}

}  // namespace kdup
