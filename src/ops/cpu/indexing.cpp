// CPU gather/scatter along a dimension and row selection, the indexing kernels behind
// cross-entropy, max's backward and batch assembly. Index bounds are checked by the front ends.
#include <cstring>

#include "ops/cpu/strided.h"
#include "ops/kernels.h"

namespace kdup::cpu {

namespace {
// x viewed as [outer, n, inner] around dim.
void split_at(const Shape& shape, int64_t dim, int64_t& outer, int64_t& n, int64_t& inner) {
  outer = 1;
  inner = 1;
  for (int64_t d = 0; d < dim; ++d) outer *= shape[d];
  n = shape[dim];
  for (int64_t d = dim + 1; d < static_cast<int64_t>(shape.size()); ++d) inner *= shape[d];
}
}  // namespace

void gather_dim(const Tensor& x, int64_t dim, const Tensor& index, Tensor& out) {
  dispatch_all(x.dtype(), "gather_dim", [&](auto tag) {
    using T = typename decltype(tag)::type;
    int64_t outer, n, inner, outer_i, m, inner_i;
    split_at(x.shape(), dim, outer, n, inner);
    split_at(index.shape(), dim, outer_i, m, inner_i);
    const T* px = x.data<T>();
    const int64_t* pi = index.data<int64_t>();
    T* po = out.data<T>();
#pragma omp parallel for if (out.numel() > kParallelGrain)
    for (int64_t o = 0; o < outer_i; ++o)
      for (int64_t k = 0; k < m; ++k)
        for (int64_t i = 0; i < inner_i; ++i) {
          const int64_t at = (o * m + k) * inner_i + i;
          po[at] = px[(o * n + pi[at]) * inner + i];
        }
  });
}

void scatter_add_dim(const Tensor& src, int64_t dim, const Tensor& index, Tensor& out) {
  dispatch_floating(src.dtype(), "scatter_add_dim", [&](auto tag) {
    using T = typename decltype(tag)::type;
    int64_t outer, n, inner, outer_i, m, inner_i;
    split_at(out.shape(), dim, outer, n, inner);
    split_at(index.shape(), dim, outer_i, m, inner_i);
    const T* ps = src.data<T>();
    const int64_t* pi = index.data<int64_t>();
    T* po = out.data<T>();
    // Sequential over the scattered dimension: two sources may hit the same target.
#pragma omp parallel for if (src.numel() > kParallelGrain)
    for (int64_t o = 0; o < outer_i; ++o)
      for (int64_t k = 0; k < m; ++k)
        for (int64_t i = 0; i < inner_i; ++i) {
          const int64_t at = (o * m + k) * inner_i + i;
          po[(o * n + pi[at]) * inner + i] += ps[at];
        }
  });
}

void index_select_rows(const Tensor& x, const Tensor& index, Tensor& out) {
  const int64_t rows = index.numel();
  const size_t row_bytes = (x.shape()[0] ? x.numel() / x.shape()[0] : 0) * dtype_size(x.dtype());
  const char* px = static_cast<const char*>(x.raw_data());
  const int64_t* pi = index.data<int64_t>();
  char* po = static_cast<char*>(out.raw_data());
#pragma omp parallel for if (out.numel() > kParallelGrain)
  for (int64_t r = 0; r < rows; ++r) std::memcpy(po + r * row_bytes, px + pi[r] * row_bytes, row_bytes);
}

void index_add_rows(const Tensor& src, const Tensor& index, Tensor& out) {
  dispatch_floating(src.dtype(), "index_add_rows", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const int64_t rows = index.numel();
    const int64_t width = out.shape()[0] ? out.numel() / out.shape()[0] : 0;
    const T* ps = src.data<T>();
    const int64_t* pi = index.data<int64_t>();
    T* po = out.data<T>();
    // Parallel over columns: repeated indices then never race.
#pragma omp parallel for if (src.numel() > kParallelGrain)
    for (int64_t c = 0; c < width; ++c)
      for (int64_t r = 0; r < rows; ++r) po[pi[r] * width + c] += ps[r * width + c];
  });
}

}  // namespace kdup::cpu
