// CUDA gather/scatter along a dimension and row selection. One thread per index (or output)
// element; the scatters accumulate with atomicAdd because two sources may hit one target.
#include "cuda/launch.cuh"
#include "ops/kernels.h"
#include "ops/math/indexing_math.h"

namespace kdup::cuda {

namespace {

GatherSplit split_for(const Shape& indexed, const Shape& index, int64_t dim) {
  GatherSplit s;
  s.n = indexed[dim];
  s.m = index[dim];
  for (int64_t d = dim + 1; d < static_cast<int64_t>(indexed.size()); ++d) s.inner *= indexed[d];
  for (int64_t d = dim + 1; d < static_cast<int64_t>(index.size()); ++d) s.inner_index *= index[d];
  return s;
}

int64_t row_width(const Tensor& t) { return t.shape()[0] ? t.numel() / t.shape()[0] : 0; }

template <class T>
__global__ void gather_kernel(const T* x, GatherSplit s, const int64_t* index, T* out, int64_t n) {
  KDUP_GRID_LOOP(at, n) out[at] = x[gather_offset(s, at, index[at])];
}

template <class T>
__global__ void scatter_add_kernel(const T* src, GatherSplit s, const int64_t* index, T* out,
                                   int64_t n) {
  KDUP_GRID_LOOP(at, n) atomicAdd(out + gather_offset(s, at, index[at]), src[at]);
}

template <class T>
__global__ void index_select_kernel(const T* x, const int64_t* index, int64_t width, T* out,
                                    int64_t n) {
  KDUP_GRID_LOOP(at, n) out[at] = x[selected_row_offset(at, width, index)];
}

template <class T>
__global__ void index_add_kernel(const T* src, const int64_t* index, int64_t width, T* out,
                                 int64_t n) {
  KDUP_GRID_LOOP(at, n) atomicAdd(out + selected_row_offset(at, width, index), src[at]);
}

}  // namespace

void gather_dim(const Tensor& x, int64_t dim, const Tensor& index, Tensor& out) {
  const int64_t n = out.numel();
  if (n == 0) return;
  const GatherSplit s = split_for(x.shape(), index.shape(), dim);
  dispatch_all(x.dtype(), "gather_dim", [&](auto tag) {
    using T = typename decltype(tag)::type;
    gather_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream()>>>(
        x.data<T>(), s, index.data<int64_t>(), out.data<T>(), n);
  });
  check_launch("gather_dim");
}

void scatter_add_dim(const Tensor& src, int64_t dim, const Tensor& index, Tensor& out) {
  const int64_t n = index.numel();
  if (n == 0) return;
  const GatherSplit s = split_for(out.shape(), index.shape(), dim);
  dispatch_floating(src.dtype(), "scatter_add_dim", [&](auto tag) {
    using T = typename decltype(tag)::type;
    scatter_add_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream()>>>(
        src.data<T>(), s, index.data<int64_t>(), out.data<T>(), n);
  });
  check_launch("scatter_add_dim");
}

void index_select_rows(const Tensor& x, const Tensor& index, Tensor& out) {
  const int64_t n = out.numel(), width = row_width(x);
  if (n == 0) return;
  dispatch_all(x.dtype(), "index_select_rows", [&](auto tag) {
    using T = typename decltype(tag)::type;
    index_select_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream()>>>(
        x.data<T>(), index.data<int64_t>(), width, out.data<T>(), n);
  });
  check_launch("index_select_rows");
}

void index_add_rows(const Tensor& src, const Tensor& index, Tensor& out) {
  const int64_t n = src.numel(), width = row_width(out);
  if (n == 0) return;
  dispatch_floating(src.dtype(), "index_add_rows", [&](auto tag) {
    using T = typename decltype(tag)::type;
    index_add_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream()>>>(
        src.data<T>(), index.data<int64_t>(), width, out.data<T>(), n);
  });
  check_launch("index_add_rows");
}

}  // namespace kdup::cuda
