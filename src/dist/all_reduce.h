// The differentiable all-reduce: the sum of x over the ranks, where each rank's x comes from its own
// rows and the sum feeds computations on each rank's own rows (the statistics of synchronised batch
// normalisation). Each rank's graph then holds only its rows' share of the gradient of the sum, so
// backward sums the gradients over the ranks too.
#pragma once
#include "dist/communicator.h"

namespace kdup {

Tensor all_reduce_sum(Communicator& communicator, const Tensor& x);

}  // namespace kdup
