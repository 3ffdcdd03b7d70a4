// CPU batch normalisation over x viewed as [N, C, S] (S = H * W; channels-last batches and [N, C]
// matrices go to batch_norm_channels_last.cpp instead, see rows_of_channels).
// Per channel c, over the M = N * S values x_i of that channel:
//   mean = (1/M) sum_i x_i,   var = (1/M) sum_i (x_i - mean)^2   (biased),
//   invstd = 1 / sqrt(var + eps),   xhat_i = (x_i - mean) * invstd,   y_i = gamma * xhat_i + beta.
// Sums are accumulated in double whatever the tensor's precision, in SIMD lanes (`omp simd
// reduction`: each lane sums its share, then the lanes are added). Channels run in parallel.
// A fused ReLU outputs max(0, y_i) instead (kernels.h).
#include <algorithm>
#include <cmath>
#include <vector>

#include "ops/cpu/batch_norm_channels_last.h"
#include "ops/cpu/strided.h"
#include "ops/kernels.h"
#include "ops/math/batch_norm_math.h"

namespace kdup::cpu {

namespace {

// Whether x lies as rows of C channel values, the layout of batch_norm_channels_last.cpp: a
// channels-last image batch, or an [N, C] matrix (there this file's per-channel walk would read
// columns).
bool rows_of_channels(const Tensor& x) {
  return x.is_only_channels_last() || (x.dim() == 2 && x.is_contiguous());
}

// x viewed as [N, C, S]: element (n, c, s) lies at (n * C + c) * S + s.
struct ChannelLayout {
  int64_t batch, channels, spatial;

  explicit ChannelLayout(const Tensor& x)
      : batch(x.shape()[0]), channels(x.shape()[1]), spatial(x.numel() / (batch * channels)) {}
  int64_t per_channel() const { return batch * spatial; }  // M
  int64_t offset(int64_t n, int64_t c) const { return (n * channels + c) * spatial; }
  bool worth_threads() const { return batch * channels * spatial > kParallelGrain; }
};

// y = x * scale[c] + shift[c], the form every normalisation ends in; with Relu, max(0, that).
template <bool Relu, class T>
void scale_shift(const ChannelLayout& l, const T* x, const double* scale, const double* shift,
                 T* y) {
#pragma omp parallel for if (l.worth_threads())
  for (int64_t c = 0; c < l.channels; ++c)
    for (int64_t n = 0; n < l.batch; ++n) {
      const T* xr = x + l.offset(n, c);
      T* yr = y + l.offset(n, c);
#pragma omp simd
      for (int64_t s = 0; s < l.spatial; ++s) {
        const T v = static_cast<T>(static_cast<double>(xr[s]) * scale[c] + shift[c]);
        yr[s] = Relu ? std::max(v, T(0)) : v;
      }
    }
}

template <class T>
void scale_shift(bool relu, const ChannelLayout& l, const T* x, const double* scale,
                 const double* shift, T* y) {
  if (relu)
    scale_shift<true>(l, x, scale, shift, y);
  else
    scale_shift<false>(l, x, scale, shift, y);
}

}  // namespace

void batch_norm_forward_train(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps,
                              bool relu, Tensor& y, Tensor& mean, Tensor& invstd) {
  if (rows_of_channels(x))  // outputs share the layout
    return batch_norm_forward_train_channels_last(x, gamma, beta, eps, relu, y, mean, invstd);
  dispatch_floating(x.dtype(), "batch_norm_forward_train", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const ChannelLayout l(x);
    const T* px = x.data<T>();
    const T* pg = gamma.data<T>();
    const T* pb = beta.data<T>();
    T* pmean = mean.data<T>();
    T* pinvstd = invstd.data<T>();
    std::vector<double> scale(l.channels), shift(l.channels);
    const double count = static_cast<double>(l.per_channel());
#pragma omp parallel for if (l.worth_threads())
    for (int64_t c = 0; c < l.channels; ++c) {
      // Two passes (mean, then squared deviations) avoid the cancellation of E[x^2] - E[x]^2.
      double total = 0;
      for (int64_t n = 0; n < l.batch; ++n) {
        const T* xr = px + l.offset(n, c);
#pragma omp simd reduction(+ : total)
        for (int64_t s = 0; s < l.spatial; ++s) total += xr[s];
      }
      const double m = total / count;
      double squares = 0;
      for (int64_t n = 0; n < l.batch; ++n) {
        const T* xr = px + l.offset(n, c);
#pragma omp simd reduction(+ : squares)
        for (int64_t s = 0; s < l.spatial; ++s) {
          const double d = xr[s] - m;
          squares += d * d;
        }
      }
      const double inv = 1.0 / std::sqrt(squares / count + eps);
      pmean[c] = static_cast<T>(m);
      pinvstd[c] = static_cast<T>(inv);
      // y = gamma * (x - m) * inv + beta = x * (gamma * inv) + (beta - m * gamma * inv)
      scale[c] = static_cast<double>(pg[c]) * inv;
      shift[c] = static_cast<double>(pb[c]) - m * scale[c];
    }
    scale_shift(relu, l, px, scale.data(), shift.data(), y.data<T>());
  });
}

void batch_norm_forward_eval(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                             const Tensor& running_mean, const Tensor& running_var, double eps,
                             bool relu, Tensor& y) {
  if (rows_of_channels(x))  // outputs share the layout
    return batch_norm_forward_eval_channels_last(x, gamma, beta, running_mean, running_var, eps,
                                                 relu, y);
  dispatch_floating(x.dtype(), "batch_norm_forward_eval", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const ChannelLayout l(x);
    const T* pg = gamma.data<T>();
    const T* pb = beta.data<T>();
    const T* prm = running_mean.data<T>();
    const T* prv = running_var.data<T>();
    std::vector<double> scale(l.channels), shift(l.channels);
    for (int64_t c = 0; c < l.channels; ++c) {
      // y = gamma * (x - running_mean) / sqrt(running_var + eps) + beta
      scale[c] = static_cast<double>(pg[c]) / std::sqrt(static_cast<double>(prv[c]) + eps);
      shift[c] = static_cast<double>(pb[c]) - static_cast<double>(prm[c]) * scale[c];
    }
    scale_shift(relu, l, x.data<T>(), scale.data(), shift.data(), y.data<T>());
  });
}

namespace {

// Training-mode backward. With g_i = dL/dy_i over the M values of a channel:
//   dL/dbeta  = sum_i g_i
//   dL/dgamma = sum_i g_i * xhat_i
//   dL/dx_i   = gamma * invstd / M * (M * g_i - dL/dbeta - xhat_i * dL/dgamma)
// The last line is the chain rule through xhat_i = (x_i - mean) * invstd, where mean and invstd
// themselves depend on every x_j of the channel. After a fused ReLU, g_i is the incoming gradient
// where the output r_i > 0 and 0 elsewhere: relu'(y) = step(relu(y)).
template <bool Relu, class T>
void batch_norm_backward(const T* pgy, const T* pr, const T* px, const T* pg, const T* pmean,
                         const T* pinvstd, const ChannelLayout& l, T* pgx, T* pgg, T* pgb) {
  const double count = static_cast<double>(l.per_channel());
#pragma omp parallel for if (l.worth_threads())
  for (int64_t c = 0; c < l.channels; ++c) {
    const double m = pmean[c], inv = pinvstd[c];
    double sum_g = 0, sum_g_xhat = 0;
    for (int64_t n = 0; n < l.batch; ++n) {
      const T* gr = pgy + l.offset(n, c);
      const T* rr = Relu ? pr + l.offset(n, c) : gr;
      const T* xr = px + l.offset(n, c);
#pragma omp simd reduction(+ : sum_g, sum_g_xhat)
      for (int64_t s = 0; s < l.spatial; ++s) {
        const T g = Relu ? batch_norm_relu_grad(gr[s], rr[s]) : gr[s];
        sum_g += g;
        sum_g_xhat += g * ((xr[s] - m) * inv);
      }
    }
    pgb[c] = static_cast<T>(sum_g);
    pgg[c] = static_cast<T>(sum_g_xhat);
    // The last line expanded in g_i and x_i: dL/dx_i = a * g_i + b * x_i + d.
    const double factor = static_cast<double>(pg[c]) * inv / count;
    const double a = factor * count, b = -factor * inv * sum_g_xhat;
    const double d = -factor * sum_g - b * m;
    for (int64_t n = 0; n < l.batch; ++n) {
      const T* gr = pgy + l.offset(n, c);
      const T* rr = Relu ? pr + l.offset(n, c) : gr;
      const T* xr = px + l.offset(n, c);
      T* gxr = pgx + l.offset(n, c);
#pragma omp simd
      for (int64_t s = 0; s < l.spatial; ++s) {
        const T g = Relu ? batch_norm_relu_grad(gr[s], rr[s]) : gr[s];
        gxr[s] = static_cast<T>(a * static_cast<double>(g) + b * static_cast<double>(xr[s]) + d);
      }
    }
  }
}

}  // namespace

void batch_norm_backward(const Tensor& grad_y, const Tensor& relu_output, const Tensor& x,
                         const Tensor& gamma, const Tensor& mean, const Tensor& invstd,
                         Tensor& grad_x, Tensor& grad_gamma, Tensor& grad_beta) {
  if (rows_of_channels(x))  // outputs share the layout
    return batch_norm_backward_channels_last(grad_y, relu_output, x, gamma, mean, invstd, grad_x,
                                             grad_gamma, grad_beta);
  dispatch_floating(x.dtype(), "batch_norm_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const ChannelLayout l(x);
    const T* pr = relu_output.defined() ? relu_output.data<T>() : nullptr;
    auto run = pr ? batch_norm_backward<true, T> : batch_norm_backward<false, T>;
    run(grad_y.data<T>(), pr, x.data<T>(), gamma.data<T>(), mean.data<T>(), invstd.data<T>(), l,
        grad_x.data<T>(), grad_gamma.data<T>(), grad_beta.data<T>());
  });
}

}  // namespace kdup::cpu
