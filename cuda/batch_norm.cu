// CUDA batch normalisation over x viewed as [N, C, S] (math in ops/math/batch_norm_math.h). The
// training forward and the backward run one block per channel: CUB block reductions give the
// channel's statistics, then the same block writes the channel's outputs. Inference is one thread
// per element. As on the CPU, the statistics are accumulated in double whatever the tensor's
// precision. A fused ReLU (kernels.h) clamps the output at 0 and masks the incoming gradient.
#include <cub/cub.cuh>

#include "cuda/launch.cuh"
#include "ops/kernels.h"
#include "ops/math/batch_norm_math.h"
#include "ops/math/channel_math.h"

namespace kdup::cuda {

namespace {

// x as [N, C, S].
struct ChannelLayout {
  int64_t channels = 1, spatial = 1, count = 1;  // count = N * S values per channel
};

ChannelLayout layout_of(const Tensor& x) {
  ChannelLayout l;
  const int64_t batch = x.shape()[0];
  l.channels = x.shape()[1];
  l.spatial = (batch > 0 && l.channels > 0) ? x.numel() / (batch * l.channels) : 1;
  l.count = batch * l.spatial;
  return l;
}

template <class T>
const T* data_or_null(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

template <class T>
struct SumOp {
  __device__ T operator()(const T& a, const T& b) const { return a + b; }
};

template <class T>
__global__ void forward_train_kernel(const T* x, const T* gamma, const T* beta, ChannelLayout l,
                                     double eps, bool relu, T* y, T* mean_out, T* invstd_out) {
  using BlockReduce = cub::BlockReduce<double, kThreadsPerBlock>;
  __shared__ typename BlockReduce::TempStorage temp;
  __shared__ double mean, invstd;
  const int64_t c = blockIdx.x;

  double partial = 0;
  for (int64_t j = threadIdx.x; j < l.count; j += blockDim.x)
    partial += x[channel_element_offset(c, j, l.spatial, l.channels)];
  const double sum = BlockReduce(temp).Reduce(partial, SumOp<double>());
  if (threadIdx.x == 0) mean = sum / static_cast<double>(l.count);
  __syncthreads();

  // The variance from centred values (two passes) avoids the cancellation of E[x^2] - E[x]^2.
  partial = 0;
  for (int64_t j = threadIdx.x; j < l.count; j += blockDim.x) {
    const double d = x[channel_element_offset(c, j, l.spatial, l.channels)] - mean;
    partial += d * d;
  }
  const double squares = BlockReduce(temp).Reduce(partial, SumOp<double>());
  if (threadIdx.x == 0) {
    invstd = batch_norm_invstd(squares / static_cast<double>(l.count), eps);
    mean_out[c] = static_cast<T>(mean);
    invstd_out[c] = static_cast<T>(invstd);
  }
  __syncthreads();

  const double g = gamma ? gamma[c] : 1.0, b = beta ? beta[c] : 0.0;
  for (int64_t j = threadIdx.x; j < l.count; j += blockDim.x) {
    const int64_t at = channel_element_offset(c, j, l.spatial, l.channels);
    const double v = batch_norm_output<double>(x[at], mean, invstd, g, b);
    y[at] = static_cast<T>(relu && v < 0 ? 0.0 : v);
  }
}

template <class T>
__global__ void forward_eval_kernel(const T* x, const T* gamma, const T* beta,
                                    const T* running_mean, const T* running_var, ChannelLayout l,
                                    double eps, bool relu, T* y, int64_t n) {
  KDUP_GRID_LOOP(at, n) {
    const int64_t c = channel_of(at, l.spatial, l.channels);
    const double invstd = batch_norm_invstd<double>(running_var[c], eps);
    const double v = batch_norm_output<double>(x[at], running_mean[c], invstd,
                                               gamma ? gamma[c] : 1.0, beta ? beta[c] : 0.0);
    y[at] = static_cast<T>(relu && v < 0 ? 0.0 : v);
  }
}

// dL/dy at `at`: after a fused ReLU (relu_output given), only where the output is positive.
template <class T>
__device__ double masked_grad(const T* grad_y, const T* relu_output, int64_t at) {
  return relu_output ? batch_norm_relu_grad<double>(grad_y[at], relu_output[at])
                     : static_cast<double>(grad_y[at]);
}

// The two sums of the backward, reduced together.
struct GradSums {
  double grad, grad_xhat;
};
struct GradSumsOp {
  __device__ GradSums operator()(const GradSums& a, const GradSums& b) const {
    return {a.grad + b.grad, a.grad_xhat + b.grad_xhat};
  }
};

template <class T>
__global__ void backward_kernel(const T* grad_y, const T* relu_output, const T* x, const T* gamma,
                                const T* mean, const T* invstd, ChannelLayout l, T* grad_x,
                                T* grad_gamma, T* grad_beta) {
  using BlockReduce = cub::BlockReduce<GradSums, kThreadsPerBlock>;
  __shared__ typename BlockReduce::TempStorage temp;
  __shared__ GradSums sums;
  const int64_t c = blockIdx.x;
  const double m = mean[c], s = invstd[c];

  GradSums partial{0, 0};
  for (int64_t j = threadIdx.x; j < l.count; j += blockDim.x) {
    const int64_t at = channel_element_offset(c, j, l.spatial, l.channels);
    const double g = masked_grad(grad_y, relu_output, at);
    partial.grad += g;
    partial.grad_xhat += g * ((x[at] - m) * s);
  }
  const GradSums total = BlockReduce(temp).Reduce(partial, GradSumsOp());
  if (threadIdx.x == 0) {
    sums = total;
    if (grad_gamma) grad_gamma[c] = static_cast<T>(total.grad_xhat);
    if (grad_beta) grad_beta[c] = static_cast<T>(total.grad);
  }
  __syncthreads();

  if (!grad_x) return;
  const double g = gamma ? gamma[c] : 1.0;
  for (int64_t j = threadIdx.x; j < l.count; j += blockDim.x) {
    const int64_t at = channel_element_offset(c, j, l.spatial, l.channels);
    grad_x[at] = static_cast<T>(batch_norm_grad_input<double>(masked_grad(grad_y, relu_output, at),
                                                              (x[at] - m) * s, g, s, l.count,
                                                              sums.grad, sums.grad_xhat));
  }
}

template <class T>
T* data_or_null_mut(Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

}  // namespace

void batch_norm_forward_train(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps,
                              bool relu, Tensor& y, Tensor& mean, Tensor& invstd) {
  const ChannelLayout l = layout_of(x);
  if (l.channels == 0 || l.count == 0) return;
  dispatch_floating(x.dtype(), "batch_norm_forward_train", [&](auto tag) {
    using T = typename decltype(tag)::type;
    forward_train_kernel<<<static_cast<unsigned int>(l.channels), kThreadsPerBlock, 0, stream()>>>(
        x.data<T>(), data_or_null<T>(gamma), data_or_null<T>(beta), l, eps, relu, y.data<T>(),
        mean.data<T>(), invstd.data<T>());
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
  dispatch_floating(x.dtype(), "batch_norm_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    backward_kernel<<<static_cast<unsigned int>(l.channels), kThreadsPerBlock, 0, stream()>>>(
        grad_y.data<T>(), data_or_null<T>(relu_output), x.data<T>(), data_or_null<T>(gamma),
        mean.data<T>(), invstd.data<T>(), l, data_or_null_mut<T>(grad_x),
        data_or_null_mut<T>(grad_gamma), data_or_null_mut<T>(grad_beta));
  });
  check_launch("batch_norm_backward");
}

}  // namespace kdup::cuda
