// CUDA NCHW max pooling: one thread per output element, with the window math of
// ops/math/pool_math.h. The backward routes each output gradient to its saved maximum; windows
// overlap when stride < kernel, so the gradients accumulate with atomicAdd into a zeroed grad_x.
#include "cuda/launch.cuh"
#include "ops/kernels.h"
#include "ops/math/pool_math.h"

namespace kdup::cuda {

namespace {

template <class T>
__global__ void max_pool_forward_kernel(const T* x, int64_t height, int64_t width, int64_t out_h,
                                        int64_t out_w, Pool2dParams p, T* y, int64_t* indices,
                                        int64_t n) {
  KDUP_GRID_LOOP(at, n) {
    const int64_t ow = at % out_w, oh = (at / out_w) % out_h, plane = at / (out_w * out_h);
    T value = T(0);
    int64_t index = -1;
    max_pool_window(x + plane * height * width, height, width, oh, ow, p, value, index);
    y[at] = value;
    indices[at] = index;
  }
}

template <class T>
__global__ void max_pool_backward_kernel(const T* grad_y, const int64_t* indices, int64_t out_plane,
                                         int64_t in_plane, T* grad_x, int64_t n) {
  KDUP_GRID_LOOP(at, n) {
    atomicAdd(grad_x + max_pool_grad_target(at, out_plane, in_plane, indices[at]), grad_y[at]);
  }
}

}  // namespace

void max_pool2d_forward(const Tensor& x, Pool2dParams p, Tensor& y, Tensor& indices) {
  const int64_t n = y.numel();
  if (n == 0) return;
  dispatch_floating(x.dtype(), "max_pool2d_forward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    max_pool_forward_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream()>>>(
        x.data<T>(), x.shape()[2], x.shape()[3], y.shape()[2], y.shape()[3], p, y.data<T>(),
        indices.data<int64_t>(), n);
  });
  check_launch("max_pool2d_forward");
}

void max_pool2d_backward(const Tensor& grad_y, const Tensor& indices, Tensor& grad_x) {
  if (grad_x.numel() == 0) return;
  KDUP_CUDA_CHECK(cudaMemsetAsync(grad_x.raw_data(), 0, grad_x.numel() * dtype_size(grad_x.dtype()),
                                  stream()));
  const int64_t n = grad_y.numel();
  if (n == 0) return;
  const int64_t out_plane = grad_y.shape()[2] * grad_y.shape()[3];
  const int64_t in_plane = grad_x.shape()[2] * grad_x.shape()[3];
  dispatch_floating(grad_y.dtype(), "max_pool2d_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    max_pool_backward_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream()>>>(
        grad_y.data<T>(), indices.data<int64_t>(), out_plane, in_plane, grad_x.data<T>(), n);
  });
  check_launch("max_pool2d_backward");
}

}  // namespace kdup::cuda
