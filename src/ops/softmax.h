// Softmax and log-softmax over one dimension, with autograd. Both subtract the maximum first, so
// large inputs stay finite.
#pragma once
#include "tensor/tensor.h"

namespace kdup {

Tensor softmax(const Tensor& x, int64_t dim = -1);
Tensor log_softmax(const Tensor& x, int64_t dim = -1);

}  // namespace kdup
