// CUDA reductions over one dimension. x is viewed as [outer, n, inner] (reduce_math.h). When the
// reduced dimension is the last one (inner == 1) each row is reduced by one block with CUB's block
// reduction; otherwise each thread walks one output's column, which reads x coalesced along inner.
#include <cub/cub.cuh>

#include <limits>

#include "cuda/launch.cuh"
#include "ops/kernels.h"
#include "ops/math/reduce_math.h"

namespace kdup::cuda {

namespace {

ReduceSplit split_at(const Tensor& x, int64_t dim) {
  ReduceSplit s;
  for (int64_t d = 0; d < dim; ++d) s.outer *= x.shape()[d];
  s.n = x.shape()[dim];
  for (int64_t d = dim + 1; d < x.dim(); ++d) s.inner *= x.shape()[d];
  return s;
}

template <class T>
struct SumOp {
  __device__ T operator()(const T& a, const T& b) const { return a + b; }
};
template <class T>
struct ArgMaxOp {
  __device__ ArgMax<T> operator()(const ArgMax<T>& a, const ArgMax<T>& b) const {
    return argmax_combine(a, b);
  }
};

template <class T>
__global__ void sum_rows_kernel(const T* x, int64_t n, T* out) {
  using BlockReduce = cub::BlockReduce<T, kThreadsPerBlock>;
  __shared__ typename BlockReduce::TempStorage temp;
  const T* row = x + int64_t(blockIdx.x) * n;
  T partial = T(0);
  for (int64_t k = threadIdx.x; k < n; k += blockDim.x) partial += row[k];
  const T total = BlockReduce(temp).Reduce(partial, SumOp<T>());
  if (threadIdx.x == 0) out[blockIdx.x] = total;
}

template <class T>
__global__ void sum_columns_kernel(const T* x, ReduceSplit s, T* out, int64_t count) {
  KDUP_GRID_LOOP(j, count) {
    T total = T(0);
    for (int64_t k = 0; k < s.n; ++k) total += x[reduce_input_offset(s, j, k)];
    out[j] = total;
  }
}

template <class T>
__global__ void max_rows_kernel(const T* x, int64_t n, T* values, int64_t* indices) {
  using BlockReduce = cub::BlockReduce<ArgMax<T>, kThreadsPerBlock>;
  __shared__ typename BlockReduce::TempStorage temp;
  const T* row = x + int64_t(blockIdx.x) * n;
  // A thread with no element contributes -inf at an index past the row: it loses to any element.
  ArgMax<T> best{-std::numeric_limits<T>::infinity(), std::numeric_limits<int64_t>::max()};
  for (int64_t k = threadIdx.x; k < n; k += blockDim.x) best = argmax_combine(best, {row[k], k});
  const ArgMax<T> result = BlockReduce(temp).Reduce(best, ArgMaxOp<T>());
  if (threadIdx.x == 0) {
    values[blockIdx.x] = result.value;
    indices[blockIdx.x] = result.index;
  }
}

template <class T>
__global__ void max_columns_kernel(const T* x, ReduceSplit s, T* values, int64_t* indices,
                                   int64_t count) {
  KDUP_GRID_LOOP(j, count) {
    ArgMax<T> best{x[reduce_input_offset(s, j, 0)], 0};
    for (int64_t k = 1; k < s.n; ++k) best = argmax_combine(best, {x[reduce_input_offset(s, j, k)], k});
    values[j] = best.value;
    indices[j] = best.index;
  }
}

}  // namespace

void sum_dim(const Tensor& x, int64_t dim, Tensor& out) {
  dispatch_floating(x.dtype(), "sum_dim", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const ReduceSplit s = split_at(x, dim);
    const int64_t count = s.outer * s.inner;
    if (count == 0) return;
    if (s.inner == 1 && s.outer <= std::numeric_limits<int>::max()) {
      sum_rows_kernel<<<static_cast<unsigned int>(s.outer), kThreadsPerBlock, 0, stream()>>>(
          x.data<T>(), s.n, out.data<T>());
    } else {
      sum_columns_kernel<<<blocks_for(count), kThreadsPerBlock, 0, stream()>>>(x.data<T>(), s,
                                                                               out.data<T>(), count);
    }
    check_launch("sum_dim");
  });
}

void max_dim(const Tensor& x, int64_t dim, Tensor& values, Tensor& indices) {
  dispatch_floating(x.dtype(), "max_dim", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const ReduceSplit s = split_at(x, dim);
    const int64_t count = s.outer * s.inner;
    if (count == 0) return;
    if (s.inner == 1 && s.outer <= std::numeric_limits<int>::max()) {
      max_rows_kernel<<<static_cast<unsigned int>(s.outer), kThreadsPerBlock, 0, stream()>>>(
          x.data<T>(), s.n, values.data<T>(), indices.data<int64_t>());
    } else {
      max_columns_kernel<<<blocks_for(count), kThreadsPerBlock, 0, stream()>>>(
          x.data<T>(), s, values.data<T>(), indices.data<int64_t>(), count);
    }
    check_launch("max_dim");
  });
}

}  // namespace kdup::cuda
