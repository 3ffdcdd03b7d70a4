// The cuDNN descriptors of one NCHW convolution, each owned by its own RAII holder: when a check in
// the constructor throws, the descriptors made so far are destroyed as the members unwind.
#pragma once
#include <cudnn.h>

#include "cuda/cuda_check.h"
#include "ops/kernel_params.h"
#include "tensor/dtype.h"
#include "tensor/shape.h"

namespace kdup::cuda {

// One cuDNN descriptor: created in the constructor (a failure throws), destroyed in the destructor.
template <class Handle, cudnnStatus_t (*Create)(Handle*), cudnnStatus_t (*Destroy)(Handle)>
class CudnnDescriptor {
 public:
  CudnnDescriptor() { KDUP_CUDNN_CHECK(Create(&handle_)); }
  ~CudnnDescriptor() {
    if (handle_) Destroy(handle_);
  }
  CudnnDescriptor(const CudnnDescriptor&) = delete;
  CudnnDescriptor& operator=(const CudnnDescriptor&) = delete;
  Handle get() const { return handle_; }

 private:
  Handle handle_ = nullptr;
};

using TensorDescriptor = CudnnDescriptor<cudnnTensorDescriptor_t, cudnnCreateTensorDescriptor,
                                         cudnnDestroyTensorDescriptor>;
using FilterDescriptor = CudnnDescriptor<cudnnFilterDescriptor_t, cudnnCreateFilterDescriptor,
                                         cudnnDestroyFilterDescriptor>;
using ConvolutionDescriptor =
    CudnnDescriptor<cudnnConvolutionDescriptor_t, cudnnCreateConvolutionDescriptor,
                    cudnnDestroyConvolutionDescriptor>;

inline cudnnDataType_t cudnn_type(DType t) {
  KDUP_CHECK(t == DType::f32 || t == DType::f64,
             "conv2d: expected a float32 or float64 tensor, got " << dtype_name(t));
  return t == DType::f32 ? CUDNN_DATA_FLOAT : CUDNN_DATA_DOUBLE;
}

// x [N, C, H, W], w [K, C, kh, kw], y [N, K, OH, OW]; cross-correlation (as the CPU kernel) with
// the given math type (cuda/conv2d_algorithms.h decides which).
struct ConvDescriptors {
  ConvDescriptors(const Shape& xs, const Shape& ws, const Shape& ys, Conv2dParams p, DType dtype,
                  cudnnMathType_t math) {
    const cudnnDataType_t type = cudnn_type(dtype);
    auto i = [](int64_t v) { return static_cast<int>(v); };
    KDUP_CUDNN_CHECK(cudnnSetTensor4dDescriptor(x.get(), CUDNN_TENSOR_NCHW, type, i(xs[0]),
                                                i(xs[1]), i(xs[2]), i(xs[3])));
    KDUP_CUDNN_CHECK(cudnnSetTensor4dDescriptor(y.get(), CUDNN_TENSOR_NCHW, type, i(ys[0]),
                                                i(ys[1]), i(ys[2]), i(ys[3])));
    KDUP_CUDNN_CHECK(cudnnSetFilter4dDescriptor(w.get(), type, CUDNN_TENSOR_NCHW, i(ws[0]),
                                                i(ws[1]), i(ws[2]), i(ws[3])));
    const int pad = i(p.padding), stride = i(p.stride);
    KDUP_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(conv.get(), pad, pad, stride, stride, 1, 1,
                                                     CUDNN_CROSS_CORRELATION, type));
    KDUP_CUDNN_CHECK(cudnnSetConvolutionMathType(conv.get(), math));
  }

  TensorDescriptor x, y;
  FilterDescriptor w;
  ConvolutionDescriptor conv;
};

}  // namespace kdup::cuda
