// Losses, with autograd.
#pragma once
#include "tensor/tensor.h"

namespace kdup {

// Mean over rows of -log softmax(logits)[i, labels[i]]: logits [N, C] floating, labels [N] int64
// with every label in [0, C).
Tensor cross_entropy(const Tensor& logits, const Tensor& labels);

}  // namespace kdup
