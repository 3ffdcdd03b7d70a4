// CUDA NCHW max pooling: one thread per output element, with the window math of
// ops/math/pool_math.h. The backward routes each output gradient to its saved maximum. Windows
// overlap when stride < kernel, so two outputs may send to one input: by default the gradients
// accumulate with atomicAdd into a zeroed grad_x (fast, but the order of the additions varies from
// run to run); under run.deterministic each input element instead gathers from the few windows
// that hold it, in the CPU's order, and writes its sum once.
#include "cuda/launch.cuh"
#include "ops/backend_options.h"
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

// One thread per input element: its gradient gathered from the windows that hold it.
template <class T>
__global__ void max_pool_backward_gather_kernel(const T* grad_y, const int64_t* indices,
                                                int64_t out_h, int64_t out_w, int64_t height,
                                                int64_t width, Pool2dParams p, T* grad_x,
                                                int64_t n) {
  KDUP_GRID_LOOP(at, n) {
    const int64_t w = at % width, h = (at / width) % height, plane = at / (width * height);
    const int64_t out_offset = plane * out_h * out_w;
    grad_x[at] = max_pool_grad_gathered(grad_y + out_offset, indices + out_offset, out_h, out_w,
                                        width, h, w, p);
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

void max_pool2d_backward(const Tensor& grad_y, const Tensor& indices, Pool2dParams p,
                         Tensor& grad_x) {
  const int64_t n_in = grad_x.numel();
  if (n_in == 0) return;
  const int64_t out_h = grad_y.shape()[2], out_w = grad_y.shape()[3];
  const int64_t height = grad_x.shape()[2], width = grad_x.shape()[3];
  if (backend_options().deterministic) {
    dispatch_floating(grad_y.dtype(), "max_pool2d_backward", [&](auto tag) {
      using T = typename decltype(tag)::type;
      max_pool_backward_gather_kernel<<<blocks_for(n_in), kThreadsPerBlock, 0, stream()>>>(
          grad_y.data<T>(), indices.data<int64_t>(), out_h, out_w, height, width, p,
          grad_x.data<T>(), n_in);
    });
    check_launch("max_pool2d_backward");
    return;
  }
  KDUP_CUDA_CHECK(cudaMemsetAsync(grad_x.raw_data(), 0, n_in * dtype_size(grad_x.dtype()),
                                  stream()));
  const int64_t n = grad_y.numel();
  if (n == 0) return;
  dispatch_floating(grad_y.dtype(), "max_pool2d_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    max_pool_backward_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream()>>>(
        grad_y.data<T>(), indices.data<int64_t>(), out_h * out_w, height * width,
        grad_x.data<T>(), n);
  });
  check_launch("max_pool2d_backward");
}

}  // namespace kdup::cuda
