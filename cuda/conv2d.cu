// CUDA NCHW convolution through cuDNN: forward, backward to the input, backward to the weight.
// cuDNN computes cross-correlation, as the CPU kernel does. The algorithm of each direction is
// chosen once per shape by cuDNN's heuristics (preferring plain FMA arithmetic, so float32 results
// stay within rounding of the CPU) and cached; the bias is added by a small kernel.
#include <array>
#include <map>
#include <mutex>

#include "cuda/launch.cuh"
#include "ops/kernels.h"
#include "ops/math/channel_math.h"

namespace kdup::cuda {

namespace {

cudnnDataType_t cudnn_type(DType t) {
  KDUP_CHECK(t == DType::f32 || t == DType::f64,
             "conv2d: expected a float32 or float64 tensor, got " << dtype_name(t));
  return t == DType::f32 ? CUDNN_DATA_FLOAT : CUDNN_DATA_DOUBLE;
}

int as_int(int64_t v) { return static_cast<int>(v); }

// The descriptors of one convolution: x [N, C, H, W], w [K, C, kh, kw], y [N, K, OH, OW].
class ConvDescriptors {
 public:
  ConvDescriptors(const Shape& x, const Shape& w, const Shape& y, Conv2dParams p, DType dtype) {
    const cudnnDataType_t type = cudnn_type(dtype);
    KDUP_CUDNN_CHECK(cudnnCreateTensorDescriptor(&x_));
    KDUP_CUDNN_CHECK(cudnnCreateTensorDescriptor(&y_));
    KDUP_CUDNN_CHECK(cudnnCreateFilterDescriptor(&w_));
    KDUP_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&conv_));
    KDUP_CUDNN_CHECK(cudnnSetTensor4dDescriptor(x_, CUDNN_TENSOR_NCHW, type, as_int(x[0]),
                                                as_int(x[1]), as_int(x[2]), as_int(x[3])));
    KDUP_CUDNN_CHECK(cudnnSetTensor4dDescriptor(y_, CUDNN_TENSOR_NCHW, type, as_int(y[0]),
                                                as_int(y[1]), as_int(y[2]), as_int(y[3])));
    KDUP_CUDNN_CHECK(cudnnSetFilter4dDescriptor(w_, type, CUDNN_TENSOR_NCHW, as_int(w[0]),
                                                as_int(w[1]), as_int(w[2]), as_int(w[3])));
    const int pad = as_int(p.padding), stride = as_int(p.stride);
    KDUP_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(conv_, pad, pad, stride, stride, 1, 1,
                                                     CUDNN_CROSS_CORRELATION, type));
    KDUP_CUDNN_CHECK(cudnnSetConvolutionMathType(conv_, CUDNN_FMA_MATH));
  }
  ~ConvDescriptors() {
    cudnnDestroyConvolutionDescriptor(conv_);
    cudnnDestroyFilterDescriptor(w_);
    cudnnDestroyTensorDescriptor(y_);
    cudnnDestroyTensorDescriptor(x_);
  }
  ConvDescriptors(const ConvDescriptors&) = delete;
  ConvDescriptors& operator=(const ConvDescriptors&) = delete;

  cudnnTensorDescriptor_t x_ = nullptr, y_ = nullptr;
  cudnnFilterDescriptor_t w_ = nullptr;
  cudnnConvolutionDescriptor_t conv_ = nullptr;
};

enum class Direction { forward, backward_data, backward_weight };

// A chosen algorithm (stored as its int value, whichever direction) and its workspace need.
struct Choice {
  int algo = 0;
  cudnnMathType_t math = CUDNN_FMA_MATH;
  size_t workspace = 0;
};

using ShapeKey = std::array<int64_t, 11>;

ShapeKey key_of(Direction d, const Shape& x, const Shape& w, Conv2dParams p, DType dtype) {
  return {static_cast<int64_t>(d), static_cast<int64_t>(dtype), x[0], x[1], x[2], x[3],
          w[0], w[2], w[3], p.stride, p.padding};
}

// Picks from cuDNN's ranked candidates the first that works, preferring FMA arithmetic over
// reduced-precision tensor-core modes.
template <class Perf>
Choice pick(const Perf* perfs, int count, const char* what) {
  const Perf* chosen = nullptr;
  for (int i = 0; i < count && !chosen; ++i)
    if (perfs[i].status == CUDNN_STATUS_SUCCESS && perfs[i].mathType == CUDNN_FMA_MATH) chosen = &perfs[i];
  for (int i = 0; i < count && !chosen; ++i)
    if (perfs[i].status == CUDNN_STATUS_SUCCESS) chosen = &perfs[i];
  KDUP_CHECK(chosen, what << ": cuDNN offers no algorithm for this shape");
  return {static_cast<int>(chosen->algo), chosen->mathType, chosen->memory};
}

Choice choose(Direction d, const ConvDescriptors& desc, const ShapeKey& key) {
  static std::mutex mutex;
  static std::map<ShapeKey, Choice> cache;
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
  }
  constexpr int kCandidates = 16;
  int returned = 0;
  Choice c;
  cudnnHandle_t h = cudnn_handle();
  if (d == Direction::forward) {
    cudnnConvolutionFwdAlgoPerf_t perfs[kCandidates];
    KDUP_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(h, desc.x_, desc.w_, desc.conv_,
                                                            desc.y_, kCandidates, &returned, perfs));
    c = pick(perfs, returned, "conv2d_forward");
  } else if (d == Direction::backward_data) {
    cudnnConvolutionBwdDataAlgoPerf_t perfs[kCandidates];
    KDUP_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(
        h, desc.w_, desc.y_, desc.conv_, desc.x_, kCandidates, &returned, perfs));
    c = pick(perfs, returned, "conv2d_backward_data");
  } else {
    cudnnConvolutionBwdFilterAlgoPerf_t perfs[kCandidates];
    KDUP_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithm_v7(
        h, desc.x_, desc.y_, desc.conv_, desc.w_, kCandidates, &returned, perfs));
    c = pick(perfs, returned, "conv2d_backward_weight");
  }
  std::lock_guard<std::mutex> lock(mutex);
  cache[key] = c;
  return c;
}

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
  ConvDescriptors desc(x.shape(), weight.shape(), y.shape(), p, x.dtype());
  const Choice c = choose(Direction::forward, desc, key_of(Direction::forward, x.shape(),
                                                           weight.shape(), p, x.dtype()));
  KDUP_CUDNN_CHECK(cudnnSetConvolutionMathType(desc.conv_, c.math));
  const Scalars s(x.dtype());
  KDUP_CUDNN_CHECK(cudnnConvolutionForward(
      cudnn_handle(), s.one(), desc.x_, x.raw_data(), desc.w_, weight.raw_data(), desc.conv_,
      static_cast<cudnnConvolutionFwdAlgo_t>(c.algo), cudnn_workspace(c.workspace), c.workspace,
      s.zero(), desc.y_, y.raw_data()));
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
  ConvDescriptors desc(grad_x.shape(), weight.shape(), grad_y.shape(), p, grad_y.dtype());
  const Choice c = choose(Direction::backward_data, desc,
                          key_of(Direction::backward_data, grad_x.shape(), weight.shape(), p,
                                 grad_y.dtype()));
  KDUP_CUDNN_CHECK(cudnnSetConvolutionMathType(desc.conv_, c.math));
  const Scalars s(grad_y.dtype());
  KDUP_CUDNN_CHECK(cudnnConvolutionBackwardData(
      cudnn_handle(), s.one(), desc.w_, weight.raw_data(), desc.y_, grad_y.raw_data(), desc.conv_,
      static_cast<cudnnConvolutionBwdDataAlgo_t>(c.algo), cudnn_workspace(c.workspace),
      c.workspace, s.zero(), desc.x_, grad_x.raw_data()));
}

void conv2d_backward_weight(const Tensor& x, const Tensor& grad_y, Conv2dParams p,
                            Tensor& grad_weight) {
  if (grad_weight.numel() == 0) return;
  ConvDescriptors desc(x.shape(), grad_weight.shape(), grad_y.shape(), p, x.dtype());
  const Choice c = choose(Direction::backward_weight, desc,
                          key_of(Direction::backward_weight, x.shape(), grad_weight.shape(), p,
                                 x.dtype()));
  KDUP_CUDNN_CHECK(cudnnSetConvolutionMathType(desc.conv_, c.math));
  const Scalars s(x.dtype());
  KDUP_CUDNN_CHECK(cudnnConvolutionBackwardFilter(
      cudnn_handle(), s.one(), desc.x_, x.raw_data(), desc.y_, grad_y.raw_data(), desc.conv_,
      static_cast<cudnnConvolutionBwdFilterAlgo_t>(c.algo), cudnn_workspace(c.workspace),
      c.workspace, s.zero(), desc.w_, grad_weight.raw_data()));
}

}  // namespace kdup::cuda
