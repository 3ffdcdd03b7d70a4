// Neural-network layers as differentiable ops: convolution, batch normalisation and pooling over
// NCHW tensors. Every op checks ranks, sizes, dtypes and devices, and names itself and the shapes
// in its errors.
#pragma once
#include <cstdint>

#include "tensor/tensor.h"

namespace kdup {

// x [N, Cin, H, W] convolved with weight [Cout, Cin, k, k] (+ bias [Cout], may be undefined)
// -> [N, Cout, Ho, Wo], Ho = (H + 2 padding - k) / stride + 1 (likewise Wo).
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(),
              int64_t stride = 1, int64_t padding = 0);

// Batch normalisation of x [N, C] or [N, C, H, W] per channel, then y = gamma * xhat + beta with
// gamma, beta [C]. Training normalises with the batch statistics and, when running_mean and
// running_var [C] are defined, updates them in place (no autograd):
//   running = (1 - momentum) * running + momentum * batch_statistic,
// with the unbiased batch variance for running_var. Evaluation normalises with the running
// statistics, which it then requires.
Tensor batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                  const Tensor& running_mean, const Tensor& running_var, bool training,
                  double momentum = 0.1, double eps = 1e-5);

// relu(batch_norm(...)) with the ReLU fused into the normalisation's passes: the same values and
// gradients, one read and write of the activation less forward and two less backward.
Tensor batch_norm_relu(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                       const Tensor& running_mean, const Tensor& running_var, bool training,
                       double momentum = 0.1, double eps = 1e-5);

// The running statistics' update of batch normalisation in training mode, in place without
// autograd: running = (1 - momentum) * running + momentum * batch, the batch's biased variance made
// unbiased with count / (count - 1); float64 arithmetic, cast back to the statistics' dtype. Also
// used by the synchronised batch norm (dist/sync_batch_norm.h).
void update_batch_norm_running_stats(const Tensor& running_mean, const Tensor& running_var,
                                     const Tensor& batch_mean, const Tensor& biased_var,
                                     int64_t count, double momentum);

// Max over kernel x kernel windows of x [N, C, H, W]; padding counts as -inf and may be at most
// kernel / 2. The gradient flows to the (first) position of each maximum.
Tensor max_pool2d(const Tensor& x, int64_t kernel, int64_t stride, int64_t padding = 0);

// Mean over H and W: [N, C, H, W] -> [N, C].
Tensor global_avg_pool2d(const Tensor& x);

}  // namespace kdup
