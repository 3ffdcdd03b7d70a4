// CPU reductions over one dimension. x is viewed as [outer, n, inner]; out as [outer, inner].
#include "ops/cpu/strided.h"
#include "ops/kernels.h"

namespace kdup::cpu {

namespace {
struct Split {
  int64_t outer = 1, n = 1, inner = 1;
};
Split split_at(const Tensor& x, int64_t dim) {
  Split s;
  for (int64_t d = 0; d < dim; ++d) s.outer *= x.shape()[d];
  s.n = x.shape()[dim];
  for (int64_t d = dim + 1; d < x.dim(); ++d) s.inner *= x.shape()[d];
  return s;
}
}  // namespace

void sum_dim(const Tensor& x, int64_t dim, Tensor& out) {
  dispatch_floating(x.dtype(), "sum_dim", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const Split s = split_at(x, dim);
    const T* px = x.data<T>();
    T* po = out.data<T>();
#pragma omp parallel for if (x.numel() > kParallelGrain)
    for (int64_t o = 0; o < s.outer; ++o) {
      T* row = po + o * s.inner;
      for (int64_t i = 0; i < s.inner; ++i) row[i] = T(0);
      for (int64_t k = 0; k < s.n; ++k) {  // accumulate contiguous inner rows: vectorises
        const T* src = px + (o * s.n + k) * s.inner;
        for (int64_t i = 0; i < s.inner; ++i) row[i] += src[i];
      }
    }
  });
}

void max_dim(const Tensor& x, int64_t dim, Tensor& values, Tensor& indices) {
  dispatch_floating(x.dtype(), "max_dim", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const Split s = split_at(x, dim);
    const T* px = x.data<T>();
    T* pv = values.data<T>();
    int64_t* pi = indices.data<int64_t>();
#pragma omp parallel for if (x.numel() > kParallelGrain)
    for (int64_t o = 0; o < s.outer; ++o) {
      for (int64_t i = 0; i < s.inner; ++i) {
        const T* col = px + o * s.n * s.inner + i;
        T best = col[0];
        int64_t best_k = 0;
        for (int64_t k = 1; k < s.n; ++k) {
          const T v = col[k * s.inner];
          if (v > best || (v != v && best == best)) {  // NaN wins, as in PyTorch
            best = v;
            best_k = k;
          }
        }
        pv[o * s.inner + i] = best;
        pi[o * s.inner + i] = best_k;
      }
    }
  });
}

}  // namespace kdup::cpu
