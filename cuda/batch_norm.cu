// CUDA batch normalisation over x viewed as [N, C, S] (math in ops/math/batch_norm_math.h).
//
// Why hand-written multi-block kernels and not cuDNN's batch-normalisation API: cuDNN 9 marks
// cudnnBatchNormalizationForwardTraining/Backward/ForwardInference deprecated (CUDNN_DEPRECATED;
// the successor is the graph API, a much larger piece of code); those calls need gamma and beta
// buffers (kdup allows none), cannot fuse the ReLU in NCHW float32 (an extra pass each way),
// require eps >= CUDNN_BN_MIN_EPSILON, and would leave the arithmetic untestable without a GPU.
// The kernels here keep the fused ReLU, any eps and both dtypes, are deterministic (no atomics:
// partial results are merged in a fixed order), and their per-element math is the shared header's,
// which the host tests check against the CPU kernels.
//
// Work split: each channel's M = N * S values are cut into chunks of about 4096
// (batch_norm_chunks); a grid of chunks x channels blocks reduces one chunk per block with a CUB
// block reduction, a small kernel merges each channel's chunks in order, and elementwise kernels
// (one thread per element) write y or dL/dx. Arithmetic runs in the tensor's precision: float32
// accumulates in float32 (Welford's update per thread and Chan's pairwise merge keep the variance
// accurate without float64, which the RTX 2080 Ti runs at 1/32 rate); float64 in float64. A fused
// ReLU (kernels.h) clamps the output at 0 and masks the incoming gradient.
#include <cub/cub.cuh>

#include "cuda/device_buffer.h"
#include "cuda/launch.cuh"
#include "ops/kernels.h"
#include "ops/math/batch_norm_math.h"
#include "ops/math/channel_math.h"

namespace kdup::cuda {

namespace {

// x as [N, C, S], and how each channel's values are cut into chunks.
struct ChannelLayout {
  int64_t channels = 1, spatial = 1, count = 1;  // count = N * S values per channel
  int64_t chunks = 1;
};

ChannelLayout layout_of(const Tensor& x) {
  ChannelLayout l;
  const int64_t batch = x.shape()[0];
  l.channels = x.shape()[1];
  l.spatial = (batch > 0 && l.channels > 0) ? x.numel() / (batch * l.channels) : 1;
  l.count = batch * l.spatial;
  l.chunks = batch_norm_chunks(l.count);
  return l;
}

// blockIdx.x = chunk, blockIdx.y = channel.
dim3 chunk_grid(const ChannelLayout& l) {
  KDUP_CHECK(l.channels <= 65535, "batch_norm: at most 65535 channels on CUDA, got " << l.channels);
  return dim3(static_cast<unsigned int>(l.chunks), static_cast<unsigned int>(l.channels));
}

template <class T>
const T* data_or_null(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}
template <class T>
T* data_or_null_mut(Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

struct WelfordMergeOp {
  template <class T>
  __device__ WelfordStats<T> operator()(const WelfordStats<T>& a, const WelfordStats<T>& b) const {
    return welford_merge(a, b);
  }
};
struct GradSumsMergeOp {
  template <class T>
  __device__ BatchNormGradSums<T> operator()(const BatchNormGradSums<T>& a,
                                             const BatchNormGradSums<T>& b) const {
    return grad_sums_merge(a, b);
  }
};

// ---- forward, training: statistics, then y ------------------------------------------------------

// One block per (chunk, channel): Welford over the thread's values, merged across the block.
template <class T>
__global__ void chunk_stats_kernel(const T* x, ChannelLayout l, WelfordStats<T>* partial) {
  using BlockReduce = cub::BlockReduce<WelfordStats<T>, kThreadsPerBlock>;
  __shared__ typename BlockReduce::TempStorage temp;
  const int64_t chunk = blockIdx.x, c = blockIdx.y;
  const int64_t end = batch_norm_chunk_begin(chunk + 1, l.chunks, l.count);
  WelfordStats<T> stats;
  for (int64_t j = batch_norm_chunk_begin(chunk, l.chunks, l.count) + threadIdx.x; j < end;
       j += blockDim.x)
    stats = welford_add(stats, x[channel_element_offset(c, j, l.spatial, l.channels)]);
  const WelfordStats<T> total = BlockReduce(temp).Reduce(stats, WelfordMergeOp());
  if (threadIdx.x == 0) partial[c * l.chunks + chunk] = total;
}

// One thread per channel: the chunks merged in order give mean and invstd (biased variance).
template <class T>
__global__ void channel_stats_kernel(const WelfordStats<T>* partial, ChannelLayout l, double eps,
                                     T* mean, T* invstd) {
  KDUP_GRID_LOOP(c, l.channels) {
    WelfordStats<T> stats;
    for (int64_t k = 0; k < l.chunks; ++k) stats = welford_merge(stats, partial[c * l.chunks + k]);
    mean[c] = stats.mean;
    invstd[c] = batch_norm_invstd(stats.m2 / static_cast<T>(stats.count), eps);
  }
}

template <class T>
__global__ void normalize_kernel(const T* x, const T* gamma, const T* beta, const T* mean,
                                 const T* invstd, ChannelLayout l, bool relu, T* y, int64_t n) {
  KDUP_GRID_LOOP(at, n) {
    const int64_t c = channel_of(at, l.spatial, l.channels);
    const T v = batch_norm_output<T>(x[at], mean[c], invstd[c], gamma ? gamma[c] : T(1),
                                     beta ? beta[c] : T(0));
    y[at] = relu && v < T(0) ? T(0) : v;
  }
}

// ---- forward, evaluation ------------------------------------------------------------------------

template <class T>
__global__ void forward_eval_kernel(const T* x, const T* gamma, const T* beta,
                                    const T* running_mean, const T* running_var, ChannelLayout l,
                                    double eps, bool relu, T* y, int64_t n) {
  KDUP_GRID_LOOP(at, n) {
    const int64_t c = channel_of(at, l.spatial, l.channels);
    const T invstd = batch_norm_invstd<T>(running_var[c], eps);
    const T v = batch_norm_output<T>(x[at], running_mean[c], invstd, gamma ? gamma[c] : T(1),
                                     beta ? beta[c] : T(0));
    y[at] = relu && v < T(0) ? T(0) : v;
  }
}

// ---- backward: the two sums per channel, then dL/dx ---------------------------------------------

// dL/dy at `at`: after a fused ReLU (relu_output given), only where the output is positive.
template <class T>
__device__ T masked_grad(const T* grad_y, const T* relu_output, int64_t at) {
  return relu_output ? batch_norm_relu_grad<T>(grad_y[at], relu_output[at]) : grad_y[at];
}

template <class T>
__global__ void chunk_grad_sums_kernel(const T* grad_y, const T* relu_output, const T* x,
                                       const T* mean, const T* invstd, ChannelLayout l,
                                       BatchNormGradSums<T>* partial) {
  using BlockReduce = cub::BlockReduce<BatchNormGradSums<T>, kThreadsPerBlock>;
  __shared__ typename BlockReduce::TempStorage temp;
  const int64_t chunk = blockIdx.x, c = blockIdx.y;
  const T m = mean[c], s = invstd[c];
  const int64_t end = batch_norm_chunk_begin(chunk + 1, l.chunks, l.count);
  BatchNormGradSums<T> sums;
  for (int64_t j = batch_norm_chunk_begin(chunk, l.chunks, l.count) + threadIdx.x; j < end;
       j += blockDim.x) {
    const int64_t at = channel_element_offset(c, j, l.spatial, l.channels);
    const T g = masked_grad(grad_y, relu_output, at);
    sums.grad += g;
    sums.grad_xhat += g * ((x[at] - m) * s);
  }
  const BatchNormGradSums<T> total = BlockReduce(temp).Reduce(sums, GradSumsMergeOp());
  if (threadIdx.x == 0) partial[c * l.chunks + chunk] = total;
}

// One thread per channel: dL/dbeta = sum g, dL/dgamma = sum g xhat, kept for dL/dx.
template <class T>
__global__ void channel_grad_sums_kernel(const BatchNormGradSums<T>* partial, ChannelLayout l,
                                         T* grad_gamma, T* grad_beta, BatchNormGradSums<T>* sums) {
  KDUP_GRID_LOOP(c, l.channels) {
    BatchNormGradSums<T> total;
    for (int64_t k = 0; k < l.chunks; ++k) total = grad_sums_merge(total, partial[c * l.chunks + k]);
    if (grad_gamma) grad_gamma[c] = total.grad_xhat;
    if (grad_beta) grad_beta[c] = total.grad;
    sums[c] = total;
  }
}

template <class T>
__global__ void grad_input_kernel(const T* grad_y, const T* relu_output, const T* x,
                                  const T* gamma, const T* mean, const T* invstd,
                                  const BatchNormGradSums<T>* sums, ChannelLayout l, T* grad_x,
                                  int64_t n) {
  KDUP_GRID_LOOP(at, n) {
    const int64_t c = channel_of(at, l.spatial, l.channels);
    const T s = invstd[c];
    grad_x[at] = batch_norm_grad_input<T>(masked_grad(grad_y, relu_output, at),
                                          (x[at] - mean[c]) * s, gamma ? gamma[c] : T(1), s,
                                          l.count, sums[c].grad, sums[c].grad_xhat);
  }
}

}  // namespace

void batch_norm_forward_train(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps,
                              bool relu, Tensor& y, Tensor& mean, Tensor& invstd) {
  const ChannelLayout l = layout_of(x);
  if (l.channels == 0 || l.count == 0) return;
  const int64_t n = x.numel();
  dispatch_floating(x.dtype(), "batch_norm_forward_train", [&](auto tag) {
    using T = typename decltype(tag)::type;
    DeviceBuffer partial(l.channels * l.chunks * sizeof(WelfordStats<T>));
    chunk_stats_kernel<<<chunk_grid(l), kThreadsPerBlock, 0, stream()>>>(
        x.data<T>(), l, partial.as<WelfordStats<T>>());
    channel_stats_kernel<<<blocks_for(l.channels), kThreadsPerBlock, 0, stream()>>>(
        partial.as<WelfordStats<T>>(), l, eps, mean.data<T>(), invstd.data<T>());
    normalize_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream()>>>(
        x.data<T>(), data_or_null<T>(gamma), data_or_null<T>(beta), mean.data<T>(),
        invstd.data<T>(), l, relu, y.data<T>(), n);
  });
  check_launch("batch_norm_forward_train");
}

void batch_norm_forward_eval(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                             const Tensor& running_mean, const Tensor& running_var, double eps,
                             bool relu, Tensor& y) {
  const ChannelLayout l = layout_of(x);
  const int64_t n = x.numel();
  if (n == 0) return;
  dispatch_floating(x.dtype(), "batch_norm_forward_eval", [&](auto tag) {
    using T = typename decltype(tag)::type;
    forward_eval_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream()>>>(
        x.data<T>(), data_or_null<T>(gamma), data_or_null<T>(beta), running_mean.data<T>(),
        running_var.data<T>(), l, eps, relu, y.data<T>(), n);
  });
  check_launch("batch_norm_forward_eval");
}

void batch_norm_backward(const Tensor& grad_y, const Tensor& relu_output, const Tensor& x,
                         const Tensor& gamma, const Tensor& mean, const Tensor& invstd,
                         Tensor& grad_x, Tensor& grad_gamma, Tensor& grad_beta) {
  const ChannelLayout l = layout_of(x);
  if (l.channels == 0 || l.count == 0) return;
  const int64_t n = x.numel();
  dispatch_floating(x.dtype(), "batch_norm_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    DeviceBuffer partial(l.channels * l.chunks * sizeof(BatchNormGradSums<T>));
    DeviceBuffer sums(l.channels * sizeof(BatchNormGradSums<T>));
    chunk_grad_sums_kernel<<<chunk_grid(l), kThreadsPerBlock, 0, stream()>>>(
        grad_y.data<T>(), data_or_null<T>(relu_output), x.data<T>(), mean.data<T>(),
        invstd.data<T>(), l, partial.as<BatchNormGradSums<T>>());
    channel_grad_sums_kernel<<<blocks_for(l.channels), kThreadsPerBlock, 0, stream()>>>(
        partial.as<BatchNormGradSums<T>>(), l, data_or_null_mut<T>(grad_gamma),
        data_or_null_mut<T>(grad_beta), sums.as<BatchNormGradSums<T>>());
    if (grad_x.defined())
      grad_input_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream()>>>(
          grad_y.data<T>(), data_or_null<T>(relu_output), x.data<T>(), data_or_null<T>(gamma),
          mean.data<T>(), invstd.data<T>(), sums.as<BatchNormGradSums<T>>(), l,
          grad_x.data<T>(), n);
  });
  check_launch("batch_norm_backward");
}

}  // namespace kdup::cuda
