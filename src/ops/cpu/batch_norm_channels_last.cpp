// CPU batch normalisation of channels-last activations (Tensor::is_channels_last), the layout the
// CPU convolutions write: x is then [R, C] rows with R = N * H * W, and every per-channel quantity
// is a vector over the contiguous C values of a row. The math is that of batch_norm.cpp (same
// formulas, sums in double); only the order of the additions differs. Rows are cut into fixed
// blocks that are summed on their own (in parallel) and then added in block order, so the results
// do not depend on the number of threads.
#include "ops/cpu/batch_norm_channels_last.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "ops/cpu/strided.h"
#include "ops/math/batch_norm_math.h"

namespace kdup::cpu {

namespace {

constexpr int64_t kRowBlock = 256;

struct Rows {
  int64_t rows, channels;

  explicit Rows(const Tensor& x) : rows(x.numel() / x.shape()[1]), channels(x.shape()[1]) {}
  bool worth_threads() const { return rows * channels > kParallelGrain; }
};

// sums[k * C + c] = the sum over all rows r of the terms add_row(r, acc) adds into acc[k * C + c].
template <int K, class AddRow>
std::vector<double> channel_sums(const Rows& l, AddRow add_row) {
  const int64_t width = K * l.channels, blocks = (l.rows + kRowBlock - 1) / kRowBlock;
  std::vector<double> partial(static_cast<size_t>(blocks * width), 0.0);
#pragma omp parallel for if (l.worth_threads())
  for (int64_t b = 0; b < blocks; ++b) {
    double* acc = partial.data() + b * width;
    for (int64_t r = b * kRowBlock; r < std::min(l.rows, (b + 1) * kRowBlock); ++r) add_row(r, acc);
  }
  std::vector<double> sums(static_cast<size_t>(width), 0.0);
  for (int64_t b = 0; b < blocks; ++b)
    for (int64_t i = 0; i < width; ++i) sums[i] += partial[b * width + i];
  return sums;
}

// y = x * scale[c] + shift[c], or max(0, that) with Relu.
template <bool Relu, class T>
void scale_shift_rows(const Rows& l, const T* x, const double* scale, const double* shift, T* y) {
#pragma omp parallel for if (l.worth_threads())
  for (int64_t r = 0; r < l.rows; ++r) {
    const T* xr = x + r * l.channels;
    T* yr = y + r * l.channels;
#pragma omp simd
    for (int64_t c = 0; c < l.channels; ++c) {
      const T v = static_cast<T>(static_cast<double>(xr[c]) * scale[c] + shift[c]);
      yr[c] = Relu ? std::max(v, T(0)) : v;
    }
  }
}

template <class T>
void scale_shift_rows(bool relu, const Rows& l, const T* x, const std::vector<double>& scale,
                      const std::vector<double>& shift, T* y) {
  if (relu)
    scale_shift_rows<true>(l, x, scale.data(), shift.data(), y);
  else
    scale_shift_rows<false>(l, x, scale.data(), shift.data(), y);
}

// The backward of batch_norm.cpp on rows; pr is the fused ReLU's output when Relu.
template <bool Relu, class T>
void backward_rows(const Rows& l, const T* pgy, const T* pr, const T* px, const T* pg,
                   const T* pmean, const T* pinvstd, T* pgx, T* pgg, T* pgb) {
  const int64_t C = l.channels;
  // sums[c] = sum g, sums[C + c] = sum g * xhat
  const std::vector<double> sums = channel_sums<2>(l, [&](int64_t r, double* acc) {
    const T* gr = pgy + r * C;
    const T* rr = Relu ? pr + r * C : gr;
    const T* xr = px + r * C;
#pragma omp simd
    for (int64_t c = 0; c < C; ++c) {
      const T g = Relu ? batch_norm_relu_grad(gr[c], rr[c]) : gr[c];
      acc[c] += g;
      acc[C + c] += g * ((xr[c] - static_cast<double>(pmean[c])) * pinvstd[c]);
    }
  });
  // dL/dx_i = a * g_i + b * x_i + d per channel, as in batch_norm.cpp.
  const double count = static_cast<double>(l.rows);
  std::vector<double> a(C), b(C), d(C);
  for (int64_t c = 0; c < C; ++c) {
    const double m = pmean[c], inv = pinvstd[c];
    pgb[c] = static_cast<T>(sums[c]);
    pgg[c] = static_cast<T>(sums[C + c]);
    const double factor = static_cast<double>(pg[c]) * inv / count;
    a[c] = factor * count;
    b[c] = -factor * inv * sums[C + c];
    d[c] = -factor * sums[c] - b[c] * m;
  }
#pragma omp parallel for if (l.worth_threads())
  for (int64_t r = 0; r < l.rows; ++r) {
    const T* gr = pgy + r * C;
    const T* rr = Relu ? pr + r * C : gr;
    const T* xr = px + r * C;
    T* gxr = pgx + r * C;
#pragma omp simd
    for (int64_t c = 0; c < C; ++c) {
      const T g = Relu ? batch_norm_relu_grad(gr[c], rr[c]) : gr[c];
      gxr[c] =
          static_cast<T>(a[c] * static_cast<double>(g) + b[c] * static_cast<double>(xr[c]) + d[c]);
    }
  }
}

}  // namespace

void batch_norm_forward_train_channels_last(const Tensor& x, const Tensor& gamma,
                                            const Tensor& beta, double eps, bool relu, Tensor& y,
                                            Tensor& mean, Tensor& invstd) {
  dispatch_floating(x.dtype(), "batch_norm_forward_train", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const Rows l(x);
    const int64_t C = l.channels;
    const T* px = x.data<T>();
    const double count = static_cast<double>(l.rows);
    // Two passes (mean, then squared deviations) avoid the cancellation of E[x^2] - E[x]^2.
    std::vector<double> m = channel_sums<1>(l, [&](int64_t r, double* acc) {
      const T* xr = px + r * C;
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) acc[c] += xr[c];
    });
    for (double& v : m) v /= count;
    const std::vector<double> squares = channel_sums<1>(l, [&](int64_t r, double* acc) {
      const T* xr = px + r * C;
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) {
        const double dev = xr[c] - m[c];
        acc[c] += dev * dev;
      }
    });
    std::vector<double> scale(C), shift(C);
    for (int64_t c = 0; c < C; ++c) {
      const double inv = 1.0 / std::sqrt(squares[c] / count + eps);
      mean.data<T>()[c] = static_cast<T>(m[c]);
      invstd.data<T>()[c] = static_cast<T>(inv);
      scale[c] = static_cast<double>(gamma.data<T>()[c]) * inv;
      shift[c] = static_cast<double>(beta.data<T>()[c]) - m[c] * scale[c];
    }
    scale_shift_rows(relu, l, px, scale, shift, y.data<T>());
  });
}

void batch_norm_forward_eval_channels_last(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                                           const Tensor& running_mean, const Tensor& running_var,
                                           double eps, bool relu, Tensor& y) {
  dispatch_floating(x.dtype(), "batch_norm_forward_eval", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const Rows l(x);
    std::vector<double> scale(l.channels), shift(l.channels);
    for (int64_t c = 0; c < l.channels; ++c) {
      scale[c] = static_cast<double>(gamma.data<T>()[c]) /
                 std::sqrt(static_cast<double>(running_var.data<T>()[c]) + eps);
      shift[c] = static_cast<double>(beta.data<T>()[c]) -
                 static_cast<double>(running_mean.data<T>()[c]) * scale[c];
    }
    scale_shift_rows(relu, l, x.data<T>(), scale, shift, y.data<T>());
  });
}

void batch_norm_backward_channels_last(const Tensor& grad_y, const Tensor& relu_output,
                                       const Tensor& x, const Tensor& gamma, const Tensor& mean,
                                       const Tensor& invstd, Tensor& grad_x, Tensor& grad_gamma,
                                       Tensor& grad_beta) {
  dispatch_floating(x.dtype(), "batch_norm_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* pr = relu_output.defined() ? relu_output.data<T>() : nullptr;
    auto run = pr ? backward_rows<true, T> : backward_rows<false, T>;
    run(Rows(x), grad_y.data<T>(), pr, x.data<T>(), gamma.data<T>(), mean.data<T>(),
        invstd.data<T>(), grad_x.data<T>(), grad_gamma.data<T>(), grad_beta.data<T>());
  });
}

}  // namespace kdup::cpu
