// Normalisation and cosine similarity, with autograd (compositions of differentiable ops).
#pragma once
#include "tensor/tensor.h"

namespace kdup {

// x / max(||x||_2, eps) along dim, as PyTorch's F.normalize.
Tensor l2_normalize(const Tensor& x, int64_t dim = 1, double eps = 1e-12);
// a [N, D], b [M, D] -> [N, M] with entry (i, j) the cosine of the angle between a_i and b_j.
Tensor cosine_similarity_matrix(const Tensor& a, const Tensor& b);

}  // namespace kdup
