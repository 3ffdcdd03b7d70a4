// CUDA softmax / log-softmax over the last dimension and its backward: one block per row, the row
// max and sums by CUB block reductions, the per-element math from ops/math/softmax_math.h.
#include <cub/cub.cuh>

#include <limits>

#include "cuda/launch.cuh"
#include "ops/kernels.h"
#include "ops/math/softmax_parallel_math.h"

namespace kdup::cuda {

namespace {

template <class T>
struct SumOp {
  __device__ T operator()(const T& a, const T& b) const { return a + b; }
};
template <class T>
struct MaxOp {
  __device__ T operator()(const T& a, const T& b) const { return a > b ? a : b; }
};

template <class T>
__global__ void softmax_kernel(const T* x, int64_t n, bool log, T* out) {
  using BlockReduce = cub::BlockReduce<T, kThreadsPerBlock>;
  __shared__ typename BlockReduce::TempStorage temp;
  __shared__ T row_max, exp_sum;
  const T* xr = x + int64_t(blockIdx.x) * n;
  T* yr = out + int64_t(blockIdx.x) * n;

  T partial_max = -std::numeric_limits<T>::infinity();
  for (int64_t k = threadIdx.x; k < n; k += blockDim.x) partial_max = MaxOp<T>()(partial_max, xr[k]);
  const T block_max = BlockReduce(temp).Reduce(partial_max, MaxOp<T>());
  if (threadIdx.x == 0) row_max = block_max;
  __syncthreads();

  T partial_sum = T(0);
  for (int64_t k = threadIdx.x; k < n; k += blockDim.x) partial_sum += softmax_exp_term(xr[k], row_max);
  const T block_sum = BlockReduce(temp).Reduce(partial_sum, SumOp<T>());
  if (threadIdx.x == 0) exp_sum = block_sum;
  __syncthreads();

  for (int64_t k = threadIdx.x; k < n; k += blockDim.x) yr[k] = softmax_output(xr[k], row_max, exp_sum, log);
}

template <class T>
__global__ void softmax_backward_kernel(const T* y, const T* grad_y, int64_t n, bool log, T* grad_x) {
  using BlockReduce = cub::BlockReduce<T, kThreadsPerBlock>;
  __shared__ typename BlockReduce::TempStorage temp;
  __shared__ T term_sum;
  const int64_t start = int64_t(blockIdx.x) * n;

  T partial = T(0);
  for (int64_t k = threadIdx.x; k < n; k += blockDim.x)
    partial += softmax_backward_term(y[start + k], grad_y[start + k], log);
  const T block_sum = BlockReduce(temp).Reduce(partial, SumOp<T>());
  if (threadIdx.x == 0) term_sum = block_sum;
  __syncthreads();

  for (int64_t k = threadIdx.x; k < n; k += blockDim.x)
    grad_x[start + k] = softmax_grad_input(y[start + k], grad_y[start + k], term_sum, log);
}

int64_t last_dim(const Tensor& t) { return t.dim() == 0 ? 1 : t.shape().back(); }

unsigned int row_blocks(const Tensor& t) {
  const int64_t n = last_dim(t);
  const int64_t rows = n == 0 ? 0 : t.numel() / n;
  KDUP_CHECK(rows <= std::numeric_limits<int>::max(), "softmax: too many rows for one launch");
  return static_cast<unsigned int>(rows);
}

}  // namespace

void softmax_rows(const Tensor& x, bool log, Tensor& out) {
  const unsigned int rows = row_blocks(x);
  if (rows == 0) return;
  dispatch_floating(x.dtype(), "softmax_rows", [&](auto tag) {
    using T = typename decltype(tag)::type;
    softmax_kernel<<<rows, kThreadsPerBlock, 0, stream()>>>(x.data<T>(), last_dim(x), log,
                                                             out.data<T>());
  });
  check_launch("softmax_rows");
}

void softmax_rows_backward(const Tensor& y, const Tensor& grad_y, bool log, Tensor& grad_x) {
  const unsigned int rows = row_blocks(y);
  if (rows == 0) return;
  dispatch_floating(y.dtype(), "softmax_rows_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    softmax_backward_kernel<<<rows, kThreadsPerBlock, 0, stream()>>>(
        y.data<T>(), grad_y.data<T>(), last_dim(y), log, grad_x.data<T>());
  });
  check_launch("softmax_rows_backward");
}

}  // namespace kdup::cuda
