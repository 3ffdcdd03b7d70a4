// CPU softmax and log-softmax over the last dimension, one row per OpenMP iteration. The row math
// lives in ops/math/softmax_math.h, shared with the CUDA twins.
#include "ops/cpu/strided.h"
#include "ops/kernels.h"
#include "ops/math/softmax_math.h"

namespace kdup::cpu {

void softmax_rows(const Tensor& x, bool log, Tensor& out) {
  dispatch_floating(x.dtype(), "softmax_rows", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* px = x.data<T>();
    T* po = out.data<T>();
    const int64_t rows = row_count(x), n = row_length(x);
#pragma omp parallel for if (x.numel() > kParallelGrain)
    for (int64_t r = 0; r < rows; ++r) softmax_row(px + r * n, po + r * n, n, int64_t{1}, log);
  });
}

void softmax_rows_backward(const Tensor& y, const Tensor& grad_y, bool log, Tensor& grad_x) {
  dispatch_floating(y.dtype(), "softmax_rows_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* py = y.data<T>();
    const T* pg = grad_y.data<T>();
    T* px = grad_x.data<T>();
    const int64_t rows = row_count(y), n = row_length(y);
#pragma omp parallel for if (y.numel() > kParallelGrain)
    for (int64_t r = 0; r < rows; ++r)
      softmax_row_backward(py + r * n, pg + r * n, px + r * n, n, int64_t{1}, log);
  });
}

}  // namespace kdup::cpu
