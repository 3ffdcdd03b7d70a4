// The arithmetic of the CUDA batch-norm kernels (cuda/batch_norm.cu), replayed on the host with
// the shared header's functions and the kernels' own work split — chunks of a channel, 256 threads
// per chunk each taking every 256th value, partial results merged in order — and compared with
// the CPU kernels, which accumulate in float64. Runs on every machine, GPU or not.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "autograd/grad_mode.h"
#include "ops/kernels.h"
#include "ops/math/batch_norm_math.h"
#include "ops/math/channel_math.h"
#include "ops/ops.h"

namespace kdup {
namespace {

constexpr int64_t kThreads = 256;  // cuda/launch.cuh's kThreadsPerBlock

struct Layout {
  int64_t channels, spatial, count, chunks;
};
Layout layout_of(const Tensor& x) {
  const int64_t channels = x.shape()[1], spatial = x.numel() / (x.shape()[0] * channels);
  const int64_t count = x.shape()[0] * spatial;
  return {channels, spatial, count, batch_norm_chunks(count)};
}

// The statistics kernels: per chunk, per thread Welford, merged over threads, then over chunks.
template <class T>
void replay_stats(const Tensor& x, double eps, std::vector<T>& mean, std::vector<T>& invstd) {
  const Layout l = layout_of(x);
  const T* px = x.data<T>();
  for (int64_t c = 0; c < l.channels; ++c) {
    WelfordStats<T> channel;
    for (int64_t chunk = 0; chunk < l.chunks; ++chunk) {
      const int64_t begin = batch_norm_chunk_begin(chunk, l.chunks, l.count);
      const int64_t end = batch_norm_chunk_begin(chunk + 1, l.chunks, l.count);
      WelfordStats<T> block;
      for (int64_t t = 0; t < kThreads; ++t) {
        WelfordStats<T> thread;
        for (int64_t j = begin + t; j < end; j += kThreads)
          thread = welford_add(thread, px[channel_element_offset(c, j, l.spatial, l.channels)]);
        block = welford_merge(block, thread);
      }
      channel = welford_merge(channel, block);
    }
    ASSERT_EQ(channel.count, l.count);
    mean.push_back(channel.mean);
    invstd.push_back(batch_norm_invstd(channel.m2 / static_cast<T>(channel.count), eps));
  }
}

// The backward's sums, likewise, then dL/dx per element.
template <class T>
std::vector<T> replay_grad_input(const Tensor& gy, const Tensor& x, const Tensor& gamma,
                                 const std::vector<T>& mean, const std::vector<T>& invstd,
                                 std::vector<BatchNormGradSums<T>>& sums) {
  const Layout l = layout_of(x);
  const T *px = x.data<T>(), *pg = gy.data<T>(), *pgamma = gamma.data<T>();
  for (int64_t c = 0; c < l.channels; ++c) {
    BatchNormGradSums<T> channel;
    for (int64_t chunk = 0; chunk < l.chunks; ++chunk) {
      const int64_t begin = batch_norm_chunk_begin(chunk, l.chunks, l.count);
      const int64_t end = batch_norm_chunk_begin(chunk + 1, l.chunks, l.count);
      for (int64_t t = 0; t < kThreads; ++t) {
        BatchNormGradSums<T> thread;
        for (int64_t j = begin + t; j < end; j += kThreads) {
          const int64_t at = channel_element_offset(c, j, l.spatial, l.channels);
          thread.grad += pg[at];
          thread.grad_xhat += pg[at] * ((px[at] - mean[c]) * invstd[c]);
        }
        channel = grad_sums_merge(channel, thread);
      }
    }
    sums.push_back(channel);
  }
  std::vector<T> grad_x(static_cast<size_t>(x.numel()));
  for (int64_t at = 0; at < x.numel(); ++at) {
    const int64_t c = channel_of(at, l.spatial, l.channels);
    grad_x[at] = batch_norm_grad_input<T>(pg[at], (px[at] - mean[c]) * invstd[c], pgamma[c],
                                          invstd[c], l.count, sums[c].grad, sums[c].grad_xhat);
  }
  return grad_x;
}

// max |a - b| / max(1, max |b|), as the parity tests measure.
template <class T>
double normalised_error(const std::vector<T>& a, const std::vector<T>& b) {
  double diff = 0, scale = 1;
  for (size_t i = 0; i < b.size(); ++i) {
    diff = std::max(diff, std::abs(double(a[i]) - double(b[i])));
    scale = std::max(scale, std::abs(double(b[i])));
  }
  return diff / scale;
}

TEST(BatchNormChunks, CoverEachChannelExactlyOnce) {
  for (int64_t count : {1, 2, 255, 4096, 4097, 8192, 100000, 524288, 6422528}) {
    const int64_t chunks = batch_norm_chunks(count);
    EXPECT_GE(chunks, 1);
    EXPECT_LE(chunks, kBatchNormMaxChunks);
    EXPECT_EQ(batch_norm_chunk_begin(0, chunks, count), 0);
    EXPECT_EQ(batch_norm_chunk_begin(chunks, chunks, count), count);
    for (int64_t k = 0; k < chunks; ++k)
      EXPECT_LE(batch_norm_chunk_begin(k, chunks, count),
                batch_norm_chunk_begin(k + 1, chunks, count));
  }
  EXPECT_EQ(batch_norm_chunks(4096), 1);
  EXPECT_EQ(batch_norm_chunks(8 * 32 * 32), 2);  // the parity test's [8, 64, 32, 32]: two blocks
  EXPECT_EQ(batch_norm_chunks(512 * 32 * 32), 128);  // ResNet-18's first stage at batch 512
  EXPECT_EQ(batch_norm_chunks(512 * 112 * 112), kBatchNormMaxChunks);  // the ImageNet stem
}

TEST(BatchNormChunks, WelfordMergeMatchesTwoPassStatistics) {
  const std::vector<double> v = Tensor::randn({1000}, 3, DType::f64).to_vector<double>();
  double mean = 0, m2 = 0;
  for (double e : v) mean += e / v.size();
  for (double e : v) m2 += (e - mean) * (e - mean);
  // Uneven pieces, some empty, merged in order.
  const std::vector<size_t> bounds = {0, 0, 1, 37, 500, 999, 1000};
  WelfordStats<double> total;
  for (size_t k = 0; k + 1 < bounds.size(); ++k) {
    WelfordStats<double> piece;
    for (size_t i = bounds[k]; i < bounds[k + 1]; ++i) piece = welford_add(piece, v[i]);
    total = welford_merge(total, piece);
  }
  EXPECT_EQ(total.count, 1000);
  EXPECT_NEAR(total.mean, mean, 1e-14);
  EXPECT_NEAR(total.m2, m2, 1e-10 * m2);
}

// A channel with a large mean and a small spread (1000 +- 0.01), where E[x^2] - E[x]^2 in float32
// would lose every digit of the variance (the spacing of float32 near 1e6 is 0.06, the variance
// 1e-4). Welford in float32 keeps the variance to about 1e-3: the mean itself can only be held to
// the float32 spacing near 1000 (6e-5, under 1% of the spread).
TEST(BatchNormChunks, Float32WelfordKeepsTheVarianceOfAnOffsetChannel) {
  NoGradGuard no_grad;
  const Tensor x64 = Tensor::randn({8, 1, 32, 32}, 4, DType::f64) * 0.01 + 1000.0;
  const Tensor x32 = x64.to(DType::f32);
  std::vector<float> mean, invstd;
  replay_stats<float>(x32, 1e-5, mean, invstd);
  Tensor y = Tensor::empty(x64.shape(), DType::f64), m = Tensor::empty({1}, DType::f64);
  Tensor s = Tensor::empty({1}, DType::f64);
  const Tensor one = Tensor::ones({1}, DType::f64), zero = Tensor::zeros({1}, DType::f64);
  cpu::batch_norm_forward_train(x32.to(DType::f64), one, zero, 1e-5, false, y, m, s);
  EXPECT_NEAR(mean[0], m.to_vector<double>()[0], 1e-3);
  EXPECT_NEAR(invstd[0] / s.to_vector<double>()[0], 1.0, 1e-3);
}

template <class T>
void expect_replay_matches_cpu(DType dtype, double tolerance) {
  NoGradGuard no_grad;
  const Shape shape{8, 6, 32, 32};  // 8192 values per channel: two chunks
  const Tensor x = (Tensor::randn(shape, 5, DType::f64) * 2.0 + 0.5).to(dtype);
  const Tensor gamma = Tensor::randn({6}, 6, dtype), beta = Tensor::randn({6}, 7, dtype);
  const Tensor gy = Tensor::randn(shape, 8, dtype);
  Tensor y = Tensor::empty(shape, dtype), mean = Tensor::empty({6}, dtype);
  Tensor invstd = Tensor::empty({6}, dtype);
  cpu::batch_norm_forward_train(x, gamma, beta, 1e-5, false, y, mean, invstd);
  std::vector<T> replay_mean, replay_invstd;
  replay_stats<T>(x, 1e-5, replay_mean, replay_invstd);
  EXPECT_LE(normalised_error(replay_mean, mean.to_vector<T>()), tolerance);
  EXPECT_LE(normalised_error(replay_invstd, invstd.to_vector<T>()), tolerance);

  Tensor gx = Tensor::empty(shape, dtype), gg = Tensor::empty({6}, dtype);
  Tensor gb = Tensor::empty({6}, dtype);
  cpu::batch_norm_backward(gy, Tensor(), x, gamma, mean, invstd, gx, gg, gb);
  std::vector<BatchNormGradSums<T>> sums;
  const std::vector<T> replay_gx =
      replay_grad_input<T>(gy, x, gamma, mean.to_vector<T>(), invstd.to_vector<T>(), sums);
  std::vector<T> replay_gg, replay_gb;
  for (const auto& s : sums) {
    replay_gg.push_back(s.grad_xhat);
    replay_gb.push_back(s.grad);
  }
  EXPECT_LE(normalised_error(replay_gx, gx.to_vector<T>()), tolerance);
  EXPECT_LE(normalised_error(replay_gg, gg.to_vector<T>()), tolerance);
  EXPECT_LE(normalised_error(replay_gb, gb.to_vector<T>()), tolerance);
}

TEST(BatchNormChunks, Float32ReplayMatchesTheCpuWithinParityTolerance) {
  expect_replay_matches_cpu<float>(DType::f32, 1e-5);
}

TEST(BatchNormChunks, Float64ReplayMatchesTheCpu) {
  expect_replay_matches_cpu<double>(DType::f64, 1e-12);
}

}  // namespace
}  // namespace kdup
