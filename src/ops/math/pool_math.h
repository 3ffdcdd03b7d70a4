// Per-output math of NCHW max pooling, shared by the CUDA kernels and checked against the CPU
// kernels on the host. Positions are flat h * W + w within one input plane.
#pragma once
#include <cstdint>

#include "ops/kernel_params.h"
#include "tensor/hostdevice.h"

namespace kdup {

// The maximum of the window of output (oh, ow) over an H x W input plane and its position. The
// window is scanned row by row; padding positions are skipped; the first maximum wins ties and a
// NaN wins over any number (as max_dim).
template <class T>
KDUP_HD void max_pool_window(const T* plane, int64_t height, int64_t width, int64_t oh, int64_t ow,
                             const Pool2dParams& p, T& value, int64_t& index) {
  const int64_t h0 = oh * p.stride - p.padding, w0 = ow * p.stride - p.padding;
  bool found = false;
  for (int64_t h = h0; h < h0 + p.kernel; ++h) {
    if (h < 0 || h >= height) continue;
    for (int64_t w = w0; w < w0 + p.kernel; ++w) {
      if (w < 0 || w >= width) continue;
      const T v = plane[h * width + w];
      if (!found || v > value || (v != v && value == value)) {
        value = v;
        index = h * width + w;
        found = true;
      }
    }
  }
}

// Where the gradient of output element `at` goes in grad_x: its plane's start plus the saved
// position of the maximum.
KDUP_HD int64_t max_pool_grad_target(int64_t at, int64_t out_plane, int64_t in_plane,
                                     int64_t position) {
  return (at / out_plane) * in_plane + position;
}

// The gradient at input position (h, w) of one plane in gather form (the deterministic variant of
// the backward): the sum of grad_y over the outputs whose saved maximum is (h, w), taken in
// row-major output order as the CPU kernel adds them. Only outputs whose window holds (h, w) can
// have picked it: window row oh covers input rows oh * s - pad ... oh * s - pad + k - 1, so
// (h + pad - k + 1) / s <= oh <= (h + pad) / s, rounding the lower bound up (likewise columns).
KDUP_HD int64_t first_window_over(int64_t position, const Pool2dParams& p) {
  const int64_t lowest = position + p.padding - p.kernel + 1;
  return lowest <= 0 ? 0 : (lowest + p.stride - 1) / p.stride;
}

template <class T>
KDUP_HD T max_pool_grad_gathered(const T* grad_plane, const int64_t* index_plane, int64_t out_h,
                                 int64_t out_w, int64_t width, int64_t h, int64_t w,
                                 const Pool2dParams& p) {
  const int64_t position = h * width + w;
  const int64_t oh_end = (h + p.padding) / p.stride + 1, ow_end = (w + p.padding) / p.stride + 1;
  T sum = T(0);
  for (int64_t oh = first_window_over(h, p); oh < oh_end && oh < out_h; ++oh)
    for (int64_t ow = first_window_over(w, p); ow < ow_end && ow < out_w; ++ow)
      if (index_plane[oh * out_w + ow] == position) sum += grad_plane[oh * out_w + ow];
  return sum;
}

}  // namespace kdup
