// Per-element math of batch normalisation over x viewed as [N, C, S], per channel c with the
// M = N * S values x_j of that channel:
//   training   mean = sum_j x_j / M,  var = sum_j (x_j - mean)^2 / M (biased),
//              invstd = 1 / sqrt(var + eps)
//   inference  mean, var = the running statistics
//   output     y = (x - mean) * invstd * gamma + beta
//   backward   with xhat = (x - mean) * invstd and g = dL/dy,
//              dL/dbeta = sum g,  dL/dgamma = sum g xhat,
//              dL/dx = gamma * invstd / M * (M g - sum g - xhat sum g xhat)
// Shared by the CUDA kernels (instantiated with the tensor's own precision: float32 accumulates in
// float32) and checked against the CPU kernels on the host. An undefined gamma or beta counts as 1
// or 0. The CUDA kernels split each channel's M values into chunks (batch_norm_chunks), reduce each
// chunk in one block, then merge the chunks' partial results in chunk order: Welford statistics
// for the forward, the two sums for the backward.
#pragma once
#include <cmath>
#include <cstdint>

#include "tensor/hostdevice.h"

namespace kdup {

template <class T>
KDUP_HD T batch_norm_invstd(T variance, double eps) {
  return T(1) / std::sqrt(variance + static_cast<T>(eps));
}

template <class T>
KDUP_HD T batch_norm_output(T x, T mean, T invstd, T gamma, T beta) {
  return (x - mean) * invstd * gamma + beta;
}

template <class T>
KDUP_HD T batch_norm_grad_input(T grad_y, T xhat, T gamma, T invstd, int64_t count, T sum_grad,
                                T sum_grad_xhat) {
  const T m = static_cast<T>(count);
  return gamma * invstd / m * (m * grad_y - sum_grad - xhat * sum_grad_xhat);
}

// dL/dy after a fused ReLU with output r = relu(y): g where r > 0, else 0.
template <class T>
KDUP_HD T batch_norm_relu_grad(T grad, T relu_output) {
  return relu_output > T(0) ? grad : T(0);
}

// The mean and the sum of squared deviations m2 = sum (x - mean)^2 of `count` values, updated one
// value at a time (Welford) and merged pairwise (Chan, Golub and LeVeque): numerically stable in
// float32, unlike sum x^2 - (sum x)^2 / M, and needing a single pass over x.
template <class T>
struct WelfordStats {
  int64_t count = 0;
  T mean = T(0), m2 = T(0);
};

template <class T>
KDUP_HD WelfordStats<T> welford_add(WelfordStats<T> s, T x) {
  s.count += 1;
  const T delta = x - s.mean;
  s.mean += delta / static_cast<T>(s.count);
  s.m2 += delta * (x - s.mean);
  return s;
}

// With n = na + nb and d = mean_b - mean_a: mean = mean_a + d nb / n,
// m2 = m2_a + m2_b + d^2 na nb / n.
template <class T>
KDUP_HD WelfordStats<T> welford_merge(const WelfordStats<T>& a, const WelfordStats<T>& b) {
  if (a.count == 0) return b;
  if (b.count == 0) return a;
  WelfordStats<T> s;
  s.count = a.count + b.count;
  const T delta = b.mean - a.mean;
  const T b_share = static_cast<T>(b.count) / static_cast<T>(s.count);
  s.mean = a.mean + delta * b_share;
  s.m2 = a.m2 + b.m2 + delta * delta * static_cast<T>(a.count) * b_share;
  return s;
}

// The two sums of the backward over a set of values: sum g and sum g xhat.
template <class T>
struct BatchNormGradSums {
  T grad = T(0), grad_xhat = T(0);
};

template <class T>
KDUP_HD BatchNormGradSums<T> grad_sums_merge(const BatchNormGradSums<T>& a,
                                             const BatchNormGradSums<T>& b) {
  return {a.grad + b.grad, a.grad_xhat + b.grad_xhat};
}

// How many chunks (blocks) a channel of `count` values is split into: about 4096 values per block
// (16 per thread of 256), at most 256 chunks, so that a small layer still fills the GPU with
// channels x chunks blocks and a large one does not make the per-channel merge long.
constexpr int64_t kBatchNormValuesPerChunk = 4096;
constexpr int64_t kBatchNormMaxChunks = 256;
KDUP_HD int64_t batch_norm_chunks(int64_t count) {
  const int64_t chunks = (count + kBatchNormValuesPerChunk - 1) / kBatchNormValuesPerChunk;
  return chunks < 1 ? 1 : (chunks > kBatchNormMaxChunks ? kBatchNormMaxChunks : chunks);
}

// Chunk k of `chunks` covers the channel's values [begin(k), begin(k + 1)): an even split.
KDUP_HD int64_t batch_norm_chunk_begin(int64_t chunk, int64_t chunks, int64_t count) {
  return count * chunk / chunks;
}

}  // namespace kdup
