// CPU 2-D convolution (NCHW) by im2col + GEMM, one image at a time so the column buffer stays
// bounded by one image's worth of patches.
//
// Shapes, for one image n:
//   x_n     [Cin, H, W]            weight  W  [Cout, K],  K = Cin * k * k
//   col_n   [K, P]                 P = Ho * Wo (one column per output position)
//   y_n     [Cout, P]
// col_n[(c, i, j), (oh, ow)] = x_n[c, oh * stride - padding + i, ow * stride - padding + j]
// (zero outside the image). Then:
//   forward          y_n  = W @ col_n (+ bias[co] on every column of row co)
//   backward data    dcol_n = W^T @ dy_n, and dx_n = col2im(dcol_n) (the adjoint of im2col:
//                    every column entry is added back to the input pixel it was copied from)
//   backward weight  dW  += dy_n @ col_n^T, summed over the batch (GEMM with beta = 1)
// BLAS calls are made outside OpenMP regions; only the im2col / col2im loops are parallel.
#include <cblas.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "ops/cpu/conv2d_paths.h"
#include "ops/cpu/strided.h"
#include "ops/kernels.h"

namespace kdup::cpu {

namespace {

// Geometry of one convolution: input plane, kernel, output plane.
struct ConvShape {
  int64_t batch, in_channels, height, width;
  int64_t out_channels, kernel;
  int64_t out_height, out_width;
  int64_t stride, padding;

  int64_t patch_size() const { return in_channels * kernel * kernel; }  // K
  int64_t positions() const { return out_height * out_width; }         // P
  int64_t image_size() const { return in_channels * height * width; }
  int64_t output_size() const { return out_channels * positions(); }
  // A 1x1 kernel with stride 1 and no padding makes col_n equal to x_n: no copy is needed.
  bool col_is_input() const { return kernel == 1 && stride == 1 && padding == 0; }
};

ConvShape conv_shape(const Tensor& x, const Tensor& weight, Conv2dParams p) {
  ConvShape s{};
  s.batch = x.shape()[0];
  s.in_channels = x.shape()[1];
  s.height = x.shape()[2];
  s.width = x.shape()[3];
  s.out_channels = weight.shape()[0];
  s.kernel = weight.shape()[2];
  s.stride = p.stride;
  s.padding = p.padding;
  s.out_height = window_output_size(s.height, s.kernel, s.stride, s.padding);
  s.out_width = window_output_size(s.width, s.kernel, s.stride, s.padding);
  return s;
}

// Row-major C = alpha * op(A) @ op(B) + beta * C, with C [m, n] and inner dimension k.
void blas_gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
               const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c) {
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, static_cast<int>(m), static_cast<int>(n),
              static_cast<int>(k), alpha, a, static_cast<int>(lda), b, static_cast<int>(ldb), beta,
              c, static_cast<int>(n));
}

void blas_gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, double alpha,
               const double* a, int64_t lda, const double* b, int64_t ldb, double beta,
               double* c) {
  cblas_dgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, static_cast<int>(m), static_cast<int>(n),
              static_cast<int>(k), alpha, a, static_cast<int>(lda), b, static_cast<int>(ldb), beta,
              c, static_cast<int>(n));
}

// Copies the patches of one image x_n [Cin, H, W] into col [K, P].
template <class T>
void im2col(const ConvShape& s, const T* image, T* col) {
  const int64_t k = s.kernel, rows = s.patch_size(), ow_count = s.out_width;
#pragma omp parallel for if (rows * s.positions() > kParallelGrain)
  for (int64_t row = 0; row < rows; ++row) {
    const int64_t c = row / (k * k), i = (row / k) % k, j = row % k;
    const T* plane = image + c * s.height * s.width;
    T* out = col + row * s.positions();
    for (int64_t oh = 0; oh < s.out_height; ++oh) {
      const int64_t h = oh * s.stride - s.padding + i;
      T* out_row = out + oh * ow_count;
      if (h < 0 || h >= s.height) {
        for (int64_t ow = 0; ow < ow_count; ++ow) out_row[ow] = T(0);
        continue;
      }
      const T* in_row = plane + h * s.width;
      for (int64_t ow = 0; ow < ow_count; ++ow) {
        const int64_t w = ow * s.stride - s.padding + j;
        out_row[ow] = (w >= 0 && w < s.width) ? in_row[w] : T(0);
      }
    }
  }
}

// The adjoint of im2col: image[c, h, w] = sum of the col entries copied from (c, h, w).
// Overwrites image. Parallel over input channels: each channel's plane is written only by the
// k * k rows of col that belong to it, so threads never share an output element.
template <class T>
void col2im(const ConvShape& s, const T* col, T* image) {
  const int64_t k = s.kernel, plane_size = s.height * s.width;
#pragma omp parallel for if (s.patch_size() * s.positions() > kParallelGrain)
  for (int64_t c = 0; c < s.in_channels; ++c) {
    T* plane = image + c * plane_size;
    for (int64_t e = 0; e < plane_size; ++e) plane[e] = T(0);
    for (int64_t i = 0; i < k; ++i) {
      for (int64_t j = 0; j < k; ++j) {
        const T* in = col + ((c * k + i) * k + j) * s.positions();
        for (int64_t oh = 0; oh < s.out_height; ++oh) {
          const int64_t h = oh * s.stride - s.padding + i;
          if (h < 0 || h >= s.height) continue;
          const T* in_row = in + oh * s.out_width;
          T* out_row = plane + h * s.width;
          for (int64_t ow = 0; ow < s.out_width; ++ow) {
            const int64_t w = ow * s.stride - s.padding + j;
            if (w >= 0 && w < s.width) out_row[w] += in_row[ow];
          }
        }
      }
    }
  }
}

}  // namespace

void conv2d_forward_im2col(const Tensor& x, const Tensor& weight, const Tensor& bias, Conv2dParams p,
                    Tensor& y) {
  dispatch_floating(x.dtype(), "conv2d_forward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const ConvShape s = conv_shape(x, weight, p);
    const T* px = x.data<T>();
    const T* pw = weight.data<T>();
    const T* pb = bias.defined() ? bias.data<T>() : nullptr;
    T* py = y.data<T>();
    std::vector<T> col(s.col_is_input() ? 0 : s.patch_size() * s.positions());
    for (int64_t n = 0; n < s.batch; ++n) {
      const T* image = px + n * s.image_size();
      T* out = py + n * s.output_size();
      const T* patches = image;
      if (!s.col_is_input()) {
        im2col(s, image, col.data());
        patches = col.data();
      }
      // y_n [Cout, P] = W [Cout, K] @ col_n [K, P], started from the bias when there is one.
      T beta = T(0);
      if (pb) {
        for (int64_t co = 0; co < s.out_channels; ++co)
          for (int64_t q = 0; q < s.positions(); ++q) out[co * s.positions() + q] = pb[co];
        beta = T(1);
      }
      blas_gemm(false, false, s.out_channels, s.positions(), s.patch_size(), T(1), pw,
                s.patch_size(), patches, s.positions(), beta, out);
    }
  });
}

void conv2d_backward_data_im2col(const Tensor& grad_y, const Tensor& weight, Conv2dParams p,
                          Tensor& grad_x) {
  dispatch_floating(grad_y.dtype(), "conv2d_backward_data", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const ConvShape s = conv_shape(grad_x, weight, p);
    const T* pg = grad_y.data<T>();
    const T* pw = weight.data<T>();
    T* pdx = grad_x.data<T>();
    std::vector<T> col(s.col_is_input() ? 0 : s.patch_size() * s.positions());
    for (int64_t n = 0; n < s.batch; ++n) {
      const T* dy = pg + n * s.output_size();
      T* dx = pdx + n * s.image_size();
      // dcol_n [K, P] = W^T [K, Cout] @ dy_n [Cout, P]; for a 1x1 kernel dcol_n is dx_n itself.
      T* dcol = s.col_is_input() ? dx : col.data();
      blas_gemm(true, false, s.patch_size(), s.positions(), s.out_channels, T(1), pw,
                s.patch_size(), dy, s.positions(), T(0), dcol);
      if (!s.col_is_input()) col2im(s, col.data(), dx);
    }
  });
}

void conv2d_backward_weight_im2col(const Tensor& x, const Tensor& grad_y, Conv2dParams p,
                            Tensor& grad_weight) {
  dispatch_floating(x.dtype(), "conv2d_backward_weight", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const ConvShape s = conv_shape(x, grad_weight, p);
    const T* px = x.data<T>();
    const T* pg = grad_y.data<T>();
    T* pdw = grad_weight.data<T>();
    const int64_t weight_size = s.out_channels * s.patch_size();
    for (int64_t e = 0; e < weight_size; ++e) pdw[e] = T(0);
    std::vector<T> col(s.col_is_input() ? 0 : s.patch_size() * s.positions());
    for (int64_t n = 0; n < s.batch; ++n) {
      const T* image = px + n * s.image_size();
      const T* patches = image;
      if (!s.col_is_input()) {
        im2col(s, image, col.data());
        patches = col.data();
      }
      // dW [Cout, K] += dy_n [Cout, P] @ col_n^T [P, K]
      blas_gemm(false, true, s.out_channels, s.patch_size(), s.positions(), T(1),
                pg + n * s.output_size(), s.positions(), patches, s.positions(), T(1), pdw);
    }
  });
}

bool onednn_available() {
#ifdef KDUP_WITH_ONEDNN
  return true;
#else
  return false;
#endif
}

namespace {
// Float32 convolutions take the oneDNN path by default when the build has it, unless the
// environment sets KDUP_REFERENCE_CONV=1.
bool g_onednn_conv_enabled = [] {
  const char* reference = std::getenv("KDUP_REFERENCE_CONV");
  return onednn_available() && !(reference && std::string(reference) == "1");
}();
}  // namespace

void set_onednn_conv_enabled(bool enabled) { g_onednn_conv_enabled = enabled && onednn_available(); }

bool use_onednn_conv(DType dtype) { return g_onednn_conv_enabled && dtype == DType::f32; }

// The kernels of the kernel list: Winograd where it applies (channels-last activations, which
// only the oneDNN path produces), then oneDNN for float32 when the build has it and it is enabled,
// the im2col reference otherwise (always for float64, which the gradient checks use).
void conv2d_forward(const Tensor& x, const Tensor& weight, const Tensor& bias, Conv2dParams p,
                    Tensor& y) {
  if (winograd_conv_applies(x, weight, bias, p, y)) return conv2d_forward_winograd(x, weight, y);
#ifdef KDUP_WITH_ONEDNN
  if (use_onednn_conv(x.dtype())) return conv2d_forward_onednn(x, weight, bias, p, y);
#endif
  conv2d_forward_im2col(x, weight, bias, p, y);
}

void conv2d_backward_data(const Tensor& grad_y, const Tensor& weight, Conv2dParams p,
                          Tensor& grad_x) {
  if (winograd_conv_applies(grad_y, weight, Tensor(), p, grad_x))
    return conv2d_backward_data_winograd(grad_y, weight, grad_x);
#ifdef KDUP_WITH_ONEDNN
  if (use_onednn_conv(grad_y.dtype())) return conv2d_backward_data_onednn(grad_y, weight, p, grad_x);
#endif
  conv2d_backward_data_im2col(grad_y, weight, p, grad_x);
}

void conv2d_backward_weight(const Tensor& x, const Tensor& grad_y, Conv2dParams p,
                            Tensor& grad_weight) {
  if (winograd_conv_applies(x, grad_weight, Tensor(), p, grad_y))
    return conv2d_backward_weight_winograd(x, grad_y, grad_weight);
#ifdef KDUP_WITH_ONEDNN
  if (use_onednn_conv(x.dtype())) return conv2d_backward_weight_onednn(x, grad_y, p, grad_weight);
#endif
  conv2d_backward_weight_im2col(x, grad_y, p, grad_weight);
}

}  // namespace kdup::cpu
