#include "ops/similarity.h"

#include "ops/checks.h"
#include "ops/elementwise.h"
#include "ops/linalg.h"
#include "ops/reduce.h"

namespace kdup {

Tensor l2_normalize(const Tensor& x, int64_t dim_in, double eps) {
  check_floating("l2_normalize", x);
  KDUP_CHECK(eps > 0, "l2_normalize: eps must be positive, got " << eps);
  KDUP_CHECK(x.dim() > 0, "l2_normalize: expected a tensor of rank 1 or more, got a scalar");
  const int64_t dim = normalize_dim(dim_in, x.dim(), "l2_normalize");
  // max(||x||, eps) = sqrt(max(sum x^2, eps^2)). Clamping before the square root keeps the
  // gradient finite for an all-zero slice: the clamp then passes 0, and sqrt is smooth at eps^2.
  Tensor squared_norm = sum(pow(x, 2.0), {dim}, /*keepdim=*/true);
  Tensor norm = sqrt(clamp_min(squared_norm, eps * eps));
  return x / norm;
}

Tensor cosine_similarity_matrix(const Tensor& a, const Tensor& b) {
  check_same_dtype_device("cosine_similarity_matrix", a, b);
  check_rank("cosine_similarity_matrix", a, 2, "a");
  check_rank("cosine_similarity_matrix", b, 2, "b");
  KDUP_CHECK(a.shape()[1] == b.shape()[1],
             "cosine_similarity_matrix: feature sizes differ: a " << shape_str(a.shape())
                                                                  << " and b "
                                                                  << shape_str(b.shape()));
  // cos(a_i, b_j) = <a_i / ||a_i||, b_j / ||b_j||>, all pairs at once as one matrix product.
  return matmul(l2_normalize(a, 1), l2_normalize(b, 1).t());
}

}  // namespace kdup
