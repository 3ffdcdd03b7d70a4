// Indexing, joining and sorting ops. Index tensors are int64 and every index is bounds-checked here
// (the kernels trust their indices): an out-of-range index is an error naming the op, the index and
// the size it must stay below.
#pragma once
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace kdup {

// out[..., i, ...] = x[..., index[..., i, ...], ...] along dim. index has x's rank and x's sizes
// except along dim; the result has index's shape. The gradient scatters back (repeats add up).
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
// Rows of x along dimension 0 picked by a 1-D index: result [index.numel(), x.shape[1:]...].
Tensor index_select(const Tensor& x, const Tensor& index);
// Joins tensors along dim; their shapes must agree everywhere else.
Tensor concat(const std::vector<Tensor>& tensors, int64_t dim);

// The k largest (or smallest) values along dim, in order, with their int64 positions; ties keep the
// lower position first. Carries no gradient.
std::pair<Tensor, Tensor> topk(const Tensor& x, int64_t k, int64_t dim = -1, bool largest = true);
// The int64 positions that sort x along dim (stable: equal values keep their order). No gradient.
Tensor argsort(const Tensor& x, int64_t dim = -1, bool descending = false);

// Checks that index is int64 and every value of a CPU index lies in [0, size); errors name op and
// `what`. A CUDA index is checked by the kernel that reads it (cuda/index_errors.h).
void check_index_bounds(const char* op, const Tensor& index, int64_t size, const char* what);

}  // namespace kdup
