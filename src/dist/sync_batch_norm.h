// Batch normalisation with the statistics of the global batch (model.sync_batch_norm): each rank
// normalises its own rows with the mean and variance over every rank's rows, so N processes compute
// what one process does on the whole batch. Written as a composition of ops around two
// differentiable all-reduces (dist/all_reduce.h), in float64 like the CPU kernel's sums; the
// running statistics are updated with the global mean and the unbiased global variance.
#pragma once
#include "dist/communicator.h"

namespace kdup {

// Training mode only: x [N, C] or [N, C, H, W]; gamma, beta, running_mean, running_var [C].
Tensor sync_batch_norm(Communicator& communicator, const Tensor& x, const Tensor& gamma,
                       const Tensor& beta, const Tensor& running_mean, const Tensor& running_var,
                       double momentum, double eps, bool relu);

}  // namespace kdup
