// Batch normalisation with the statistics of the global batch (model.sync_batch_norm): each rank
// normalises its own rows with the mean and variance over every rank's rows, so N processes compute
// what one process does on the whole batch. Built on the batch-norm kernels of every device: each
// rank's statistics from the training kernel, combined over the ranks in float64 (one all-gather of
// 2C values), the output from the evaluation kernel with those statistics; backward, the kernel's
// gradient with the per-channel sums of the global batch (one all-reduce of 2C values). The running
// statistics are updated with the global mean and the unbiased global variance.
#pragma once
#include "dist/communicator.h"

namespace kdup {

// Training mode only: x [N, C] or [N, C, H, W]; gamma, beta, running_mean, running_var [C].
Tensor sync_batch_norm(Communicator& communicator, const Tensor& x, const Tensor& gamma,
                       const Tensor& beta, const Tensor& running_mean, const Tensor& running_var,
                       double momentum, double eps, bool relu);

}  // namespace kdup
