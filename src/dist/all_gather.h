// The differentiable all-gather of data-parallel contrastive losses: every rank's rows, stacked in
// rank order, so that NT-Xent, L_PSD, L_DD, SupCon and L_DL see the embeddings of the whole global
// batch as their negatives.
//
// Every rank computes the same loss from the same gathered rows, so the gradient that reaches rank
// r's rows is exactly the single-process gradient of those rows; backward passes it to rank r's x
// with no communication (the other rows get theirs on their own ranks). Each rank's parameter
// gradients are then its share of the global gradient, and their sum over the ranks
// (Communicator::all_reduce_sum) is the single-process gradient: sum, not mean.
#pragma once
#include "dist/communicator.h"

namespace kdup {

// x [n, ...] on every rank (the same n) -> [size * n, ...]; rows [r * n, (r + 1) * n) are rank r's.
Tensor all_gather_rows(Communicator& communicator, const Tensor& x);

}  // namespace kdup
