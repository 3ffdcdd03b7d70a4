// Softmax and log-softmax split into per-element terms, for kernels that reduce a row in parallel
// (one CUDA block per row) instead of walking it as softmax_row/softmax_row_backward in
// softmax_math.h do. The formulas are theirs, operation for operation; the host tests compare the
// two.
//
// Forward, with m = max_j x_j and s = sum_j exp(x_j - m):
//   softmax      y_i = exp(x_i - m) / s
//   log-softmax  y_i = x_i - m - log(s)
// Backward, with g = dL/dy:
//   softmax      dL/dx_i = y_i (g_i - sum_j g_j y_j)
//   log-softmax  dL/dx_i = g_i - exp(y_i) sum_j g_j
#pragma once
#include <cmath>

#include "tensor/hostdevice.h"

namespace kdup {

// The term exp(x_i - m) summed over the row to make s.
template <class T>
KDUP_HD T softmax_exp_term(T x, T row_max) {
  return std::exp(x - row_max);
}

template <class T>
KDUP_HD T softmax_output(T x, T row_max, T exp_sum, bool log) {
  return log ? (x - row_max) - std::log(exp_sum) : std::exp(x - row_max) * (T(1) / exp_sum);
}

// The term summed over the row in the backward: g_i y_i for softmax, g_i for log-softmax.
template <class T>
KDUP_HD T softmax_backward_term(T y, T grad_y, bool log) {
  return log ? grad_y : grad_y * y;
}

template <class T>
KDUP_HD T softmax_grad_input(T y, T grad_y, T term_sum, bool log) {
  return log ? grad_y - std::exp(y) * term_sum : y * (grad_y - term_sum);
}

}  // namespace kdup
