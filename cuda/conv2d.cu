// CUDA NCHW convolution through cuDNN: forward, backward to the input, backward to the weight.
// cuDNN computes cross-correlation, as the CPU kernel does, and overwrites its output (beta = 0).
// Which algorithm runs, with which arithmetic and workspace, is decided in
// cuda/conv2d_algorithms.h: FMA arithmetic for float32 unless run.allow_tf32, deterministic
// algorithms under run.deterministic, and a fallback to algorithms needing less workspace when
// memory is short. The bias is added by a small kernel.
#include "cuda/conv2d_algorithms.h"
#include "cuda/launch.cuh"
#include "ops/kernels.h"
#include "ops/math/channel_math.h"

namespace kdup::cuda {

namespace {

// cuDNN reads alpha and beta in the precision of the data: double for float64, float otherwise.
struct Scalars {
  explicit Scalars(DType t) : is_double(t == DType::f64) {}
  const void* one() const { return is_double ? static_cast<const void*>(&one_d) : &one_f; }
  const void* zero() const { return is_double ? static_cast<const void*>(&zero_d) : &zero_f; }
  bool is_double;
  float one_f = 1.f, zero_f = 0.f;
  double one_d = 1.0, zero_d = 0.0;
};

template <class T>
__global__ void add_bias_kernel(T* y, const T* bias, int64_t spatial, int64_t channels, int64_t n) {
  KDUP_GRID_LOOP(at, n) y[at] += bias[channel_of(at, spatial, channels)];
}

}  // namespace

void conv2d_forward(const Tensor& x, const Tensor& weight, const Tensor& bias, Conv2dParams p,
                    Tensor& y) {
  if (y.numel() == 0) return;
  const BackendOptions options = backend_options();
  const DType dtype = x.dtype();
  const ConvDescriptors desc(x.shape(), weight.shape(), y.shape(), p, dtype,
                             descriptor_math(dtype, options));
  const Scalars s(dtype);
  run_convolution(
      ConvDirection::forward, desc,
      conv_key(ConvDirection::forward, x.shape(), weight.shape(), p, dtype, options), dtype,
      options,
      [&](const ConvAlgorithm& a, void* workspace) {
        return cudnnConvolutionForward(cudnn_handle(), s.one(), desc.x.get(), x.raw_data(),
                                       desc.w.get(), weight.raw_data(), desc.conv.get(),
                                       static_cast<cudnnConvolutionFwdAlgo_t>(a.algo), workspace,
                                       a.workspace, s.zero(), desc.y.get(), y.raw_data());
      },
      "conv2d_forward");
  if (!bias.defined()) return;
  const int64_t n = y.numel(), channels = y.shape()[1];
  const int64_t spatial = y.shape()[2] * y.shape()[3];
  dispatch_floating(y.dtype(), "conv2d_forward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    add_bias_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream()>>>(
        y.data<T>(), bias.data<T>(), spatial, channels, n);
  });
  check_launch("conv2d_forward");
}

void conv2d_backward_data(const Tensor& grad_y, const Tensor& weight, Conv2dParams p,
                          Tensor& grad_x) {
  if (grad_x.numel() == 0) return;
  const BackendOptions options = backend_options();
  const DType dtype = grad_y.dtype();
  const ConvDescriptors desc(grad_x.shape(), weight.shape(), grad_y.shape(), p, dtype,
                             descriptor_math(dtype, options));
  const Scalars s(dtype);
  run_convolution(
      ConvDirection::backward_data, desc,
      conv_key(ConvDirection::backward_data, grad_x.shape(), weight.shape(), p, dtype, options),
      dtype, options,
      [&](const ConvAlgorithm& a, void* workspace) {
        return cudnnConvolutionBackwardData(
            cudnn_handle(), s.one(), desc.w.get(), weight.raw_data(), desc.y.get(),
            grad_y.raw_data(), desc.conv.get(), static_cast<cudnnConvolutionBwdDataAlgo_t>(a.algo),
            workspace, a.workspace, s.zero(), desc.x.get(), grad_x.raw_data());
      },
      "conv2d_backward_data");
}

void conv2d_backward_weight(const Tensor& x, const Tensor& grad_y, Conv2dParams p,
                            Tensor& grad_weight) {
  if (grad_weight.numel() == 0) return;
  const BackendOptions options = backend_options();
  const DType dtype = x.dtype();
  const ConvDescriptors desc(x.shape(), grad_weight.shape(), grad_y.shape(), p, dtype,
                             descriptor_math(dtype, options));
  const Scalars s(dtype);
  run_convolution(
      ConvDirection::backward_weight, desc,
      conv_key(ConvDirection::backward_weight, x.shape(), grad_weight.shape(), p, dtype, options),
      dtype, options,
      [&](const ConvAlgorithm& a, void* workspace) {
        return cudnnConvolutionBackwardFilter(
            cudnn_handle(), s.one(), desc.x.get(), x.raw_data(), desc.y.get(), grad_y.raw_data(),
            desc.conv.get(), static_cast<cudnnConvolutionBwdFilterAlgo_t>(a.algo), workspace,
            a.workspace, s.zero(), desc.w.get(), grad_weight.raw_data());
      },
      "conv2d_backward_weight");
}

}  // namespace kdup::cuda
