// Reductions with autograd. Dimensions may be negative (counted from the end).
#pragma once
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace kdup {

Tensor sum(const Tensor& x);  // all elements, rank 0
Tensor sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim = false);
// Maximum over one dimension; the gradient flows to the first position of each maximum.
Tensor max(const Tensor& x, int64_t dim, bool keepdim = false);
// The same, with the int64 positions of the maxima (which carry no gradient).
std::pair<Tensor, Tensor> max_with_indices(const Tensor& x, int64_t dim, bool keepdim = false);
// log(sum(exp(x))) over one dimension, computed stably by shifting by the maximum.
Tensor logsumexp(const Tensor& x, int64_t dim, bool keepdim = false);

}  // namespace kdup
