// CPU batch normalisation of channels-last activations (Tensor::is_channels_last), the layout the
// CPU convolutions write, and of [N, C] matrices: x is then [R, C] rows with R = N * H * W (or N),
// and every per-channel quantity is a vector over the contiguous C values of a row. The math is
// that of batch_norm.cpp: the same formulas and sums in double, added in another order; the
// elementwise passes compute in the tensor's type, the mean taken out before the product. Rows are
// cut into fixed blocks that are summed on their own (in parallel) and then added in block order,
// so the results do not depend on the number of threads.
#include "ops/cpu/batch_norm_channels_last.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "ops/cpu/strided.h"
#include "ops/math/batch_norm_math.h"

namespace kdup::cpu {

namespace {

constexpr int64_t kRowBlock = 256;  // rows summed on their own, then added in block order
constexpr int64_t kMinWidth = 64;   // values per wide row (see Rows)

// A contiguous per-channel [C] tensor (gamma, beta, running statistics) as doubles.
template <class T>
std::vector<double> channel_values(const Tensor& v) {
  const T* p = v.data<T>();
  return std::vector<double>(p, p + v.numel());
}

// x as rows of C channel values. Short rows are taken `fold` at a time as one wide row of
// width = fold * C values, with every per-channel vector tiled fold times: a row of 16 channels
// would give the vector units only 4 double-precision accumulators, whose add latency, not the
// memory, would then set the speed.
struct Rows {
  int64_t rows, channels, fold = 1;

  explicit Rows(const Tensor& x) : rows(x.numel() / x.shape()[1]), channels(x.shape()[1]) {
    while (fold * channels < kMinWidth && kRowBlock % (2 * fold) == 0 && rows % (2 * fold) == 0)
      fold *= 2;
  }
  int64_t width() const { return fold * channels; }
  int64_t wide_rows() const { return rows / fold; }
  bool worth_threads() const { return rows * channels > kParallelGrain; }
  // A per-channel vector repeated over a wide row, as T.
  template <class T, class V>
  std::vector<T> tiled(const V& per_channel) const {
    std::vector<T> t(static_cast<size_t>(width()));
    for (int64_t i = 0; i < width(); ++i) t[i] = static_cast<T>(per_channel[i % channels]);
    return t;
  }
};

// sums[k * C + c] = the sum over all rows of the terms add_row(wide_row, acc) adds into
// acc[k * width + f * C + c] for each of the fold rows f in the wide row.
template <int K, class AddRow>
std::vector<double> channel_sums(const Rows& l, AddRow add_row) {
  const int64_t width = K * l.width(), per_block = kRowBlock / l.fold;
  const int64_t blocks = (l.wide_rows() + per_block - 1) / per_block;
  std::vector<double> partial(static_cast<size_t>(blocks * width), 0.0);
#pragma omp parallel for if (l.worth_threads())
  for (int64_t b = 0; b < blocks; ++b) {
    double* acc = partial.data() + b * width;
    for (int64_t r = b * per_block; r < std::min(l.wide_rows(), (b + 1) * per_block); ++r)
      add_row(r, acc);
  }
  std::vector<double> wide(static_cast<size_t>(width), 0.0);
  for (int64_t b = 0; b < blocks; ++b)
    for (int64_t i = 0; i < width; ++i) wide[i] += partial[b * width + i];
  std::vector<double> sums(static_cast<size_t>(K * l.channels), 0.0);
  for (int64_t k = 0; k < K; ++k)
    for (int64_t i = 0; i < l.width(); ++i)
      sums[k * l.channels + i % l.channels] += wide[k * l.width() + i];
  return sums;
}

// y = (x - center[c]) * scale[c] + shift[c], or max(0, that) with Relu; in T, as the
// elementwise passes below: the sums need double, a single product and sum do not.
template <bool Relu, class T>
void normalise_rows(const Rows& l, const T* x, const T* center, const T* scale, const T* shift,
                    T* y) {
  const int64_t W = l.width();
#pragma omp parallel for if (l.worth_threads())
  for (int64_t r = 0; r < l.wide_rows(); ++r) {
    const T* xr = x + r * W;
    T* yr = y + r * W;
#pragma omp simd
    for (int64_t i = 0; i < W; ++i) {
      const T v = (xr[i] - center[i]) * scale[i] + shift[i];
      yr[i] = Relu ? std::max(v, T(0)) : v;
    }
  }
}

template <class T>
void normalise_rows(bool relu, const Rows& l, const T* x, const std::vector<double>& center,
                    const std::vector<double>& scale, const std::vector<double>& shift, T* y) {
  const std::vector<T> c = l.tiled<T>(center), a = l.tiled<T>(scale), b = l.tiled<T>(shift);
  auto run = relu ? normalise_rows<true, T> : normalise_rows<false, T>;
  run(l, x, c.data(), a.data(), b.data(), y);
}

// The backward of batch_norm.cpp on rows; pr is the fused ReLU's output when Relu.
template <bool Relu, class T>
void backward_rows(const Rows& l, const T* pgy, const T* pr, const T* px, const T* pg,
                   const T* pmean, const T* pinvstd, T* pgx, T* pgg, T* pgb) {
  const int64_t C = l.channels, W = l.width();
  const std::vector<double> m = l.tiled<double>(pmean), inv = l.tiled<double>(pinvstd);
  // sums[c] = sum g, sums[C + c] = sum g * xhat
  const std::vector<double> sums = channel_sums<2>(l, [&](int64_t r, double* acc) {
    const T* gr = pgy + r * W;
    const T* rr = Relu ? pr + r * W : gr;
    const T* xr = px + r * W;
#pragma omp simd
    for (int64_t i = 0; i < W; ++i) {
      const T g = Relu ? batch_norm_relu_grad(gr[i], rr[i]) : gr[i];
      acc[i] += g;
      acc[W + i] += g * ((xr[i] - m[i]) * inv[i]);
    }
  });
  // dL/dx_i = a * g_i + b * (x_i - mean) + d per channel: batch_norm.cpp's form, whose d is this
  // d - b * mean, with the mean taken out before the product as in normalise_rows.
  const double count = static_cast<double>(l.rows);
  std::vector<double> a(C), b(C), d(C);
  for (int64_t c = 0; c < C; ++c) {
    pgb[c] = static_cast<T>(sums[c]);
    pgg[c] = static_cast<T>(sums[C + c]);
    const double factor = static_cast<double>(pg[c]) * pinvstd[c] / count;
    a[c] = factor * count;
    b[c] = -factor * pinvstd[c] * sums[C + c];
    d[c] = -factor * sums[c];
  }
  const std::vector<T> wide_m = l.tiled<T>(pmean), wide_a = l.tiled<T>(a), wide_b = l.tiled<T>(b),
                       wide_d = l.tiled<T>(d);
#pragma omp parallel for if (l.worth_threads())
  for (int64_t r = 0; r < l.wide_rows(); ++r) {
    const T* gr = pgy + r * W;
    const T* rr = Relu ? pr + r * W : gr;
    const T* xr = px + r * W;
    T* gxr = pgx + r * W;
#pragma omp simd
    for (int64_t i = 0; i < W; ++i) {
      const T g = Relu ? batch_norm_relu_grad(gr[i], rr[i]) : gr[i];
      gxr[i] = wide_a[i] * g + wide_b[i] * (xr[i] - wide_m[i]) + wide_d[i];
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
    const int64_t C = l.channels, W = l.width();
    const T* px = x.data<T>();
    const double count = static_cast<double>(l.rows);
    // Two passes (mean, then squared deviations) avoid the cancellation of E[x^2] - E[x]^2.
    std::vector<double> m = channel_sums<1>(l, [&](int64_t r, double* acc) {
      const T* xr = px + r * W;
#pragma omp simd
      for (int64_t i = 0; i < W; ++i) acc[i] += xr[i];
    });
    for (double& v : m) v /= count;
    const std::vector<double> wide_m = l.tiled<double>(m);
    const std::vector<double> squares = channel_sums<1>(l, [&](int64_t r, double* acc) {
      const T* xr = px + r * W;
#pragma omp simd
      for (int64_t i = 0; i < W; ++i) {
        const double dev = xr[i] - wide_m[i];
        acc[i] += dev * dev;
      }
    });
    std::vector<double> scale(C);
    for (int64_t c = 0; c < C; ++c) {
      const double inv = 1.0 / std::sqrt(squares[c] / count + eps);
      mean.data<T>()[c] = static_cast<T>(m[c]);
      invstd.data<T>()[c] = static_cast<T>(inv);
      scale[c] = static_cast<double>(gamma.data<T>()[c]) * inv;
    }
    normalise_rows(relu, l, px, m, scale, channel_values<T>(beta), y.data<T>());
  });
}

void batch_norm_forward_eval_channels_last(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                                           const Tensor& running_mean, const Tensor& running_var,
                                           double eps, bool relu, Tensor& y) {
  dispatch_floating(x.dtype(), "batch_norm_forward_eval", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const Rows l(x);
    std::vector<double> scale(l.channels);
    for (int64_t c = 0; c < l.channels; ++c)
      scale[c] = static_cast<double>(gamma.data<T>()[c]) /
                 std::sqrt(static_cast<double>(running_var.data<T>()[c]) + eps);
    normalise_rows(relu, l, x.data<T>(), channel_values<T>(running_mean), scale,
                   channel_values<T>(beta), y.data<T>());
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
