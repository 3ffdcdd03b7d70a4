// CPU 2-D max pooling (NCHW). Each output element is the maximum of a kernel x kernel window of
// its input plane; window positions in the padding count as -inf, so they are never chosen (the
// front end keeps padding <= kernel / 2, which leaves every window at least one real element).
// The index saved is the flat position h * W + w of the maximum within its plane; on ties the
// first position in row-major order wins. Planes (n, c) run in parallel.
#include <algorithm>
#include <cmath>

#include "ops/cpu/strided.h"
#include "ops/kernels.h"

namespace kdup::cpu {

void max_pool2d_forward(const Tensor& x, Pool2dParams p, Tensor& y, Tensor& indices) {
  dispatch_floating(x.dtype(), "max_pool2d_forward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const int64_t planes = x.shape()[0] * x.shape()[1];
    const int64_t height = x.shape()[2], width = x.shape()[3];
    const int64_t out_height = y.shape()[2], out_width = y.shape()[3];
    const T* px = x.data<T>();
    T* py = y.data<T>();
    int64_t* pi = indices.data<int64_t>();
#pragma omp parallel for if (x.numel() > kParallelGrain)
    for (int64_t plane = 0; plane < planes; ++plane) {
      const T* in = px + plane * height * width;
      T* out = py + plane * out_height * out_width;
      int64_t* idx = pi + plane * out_height * out_width;
      for (int64_t oh = 0; oh < out_height; ++oh) {
        for (int64_t ow = 0; ow < out_width; ++ow) {
          const int64_t h0 = oh * p.stride - p.padding, w0 = ow * p.stride - p.padding;
          int64_t best = -1;
          T best_value = T(0);
          for (int64_t h = std::max<int64_t>(h0, 0); h < std::min(h0 + p.kernel, height); ++h)
            for (int64_t w = std::max<int64_t>(w0, 0); w < std::min(w0 + p.kernel, width); ++w) {
              const T v = in[h * width + w];
              // A NaN wins and stays, so it propagates to the output.
              if (best < 0 || v > best_value || (std::isnan(v) && !std::isnan(best_value))) {
                best = h * width + w;
                best_value = v;
              }
            }
          out[oh * out_width + ow] = best_value;
          idx[oh * out_width + ow] = best;
        }
      }
    }
  });
}

// grad_x[plane, indices[plane, o]] += grad_y[plane, o] in the order of o; grad_x is overwritten
// (zeroed first). The window is not needed here: the saved indices say where each gradient goes
// (the CUDA twin's deterministic variant gathers by it instead).
void max_pool2d_backward(const Tensor& grad_y, const Tensor& indices, Pool2dParams /*window*/,
                         Tensor& grad_x) {
  dispatch_floating(grad_y.dtype(), "max_pool2d_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const int64_t planes = grad_x.shape()[0] * grad_x.shape()[1];
    const int64_t plane_size = grad_x.shape()[2] * grad_x.shape()[3];
    const int64_t outputs = grad_y.shape()[2] * grad_y.shape()[3];
    const T* pg = grad_y.data<T>();
    const int64_t* pi = indices.data<int64_t>();
    T* pgx = grad_x.data<T>();
#pragma omp parallel for if (grad_x.numel() > kParallelGrain)
    for (int64_t plane = 0; plane < planes; ++plane) {
      T* out = pgx + plane * plane_size;
      for (int64_t e = 0; e < plane_size; ++e) out[e] = T(0);
      const T* g = pg + plane * outputs;
      const int64_t* idx = pi + plane * outputs;
      for (int64_t o = 0; o < outputs; ++o) out[idx[o]] += g[o];
    }
  });
}

}  // namespace kdup::cpu
