#include "kdup/nt_xent.h"

#include <limits>

#include "ops/ops.h"

namespace kdup {

Tensor contrastive_logits(const Tensor& z1, const Tensor& z2, double temperature) {
  KDUP_CHECK(z1.shape() == z2.shape() && z1.dim() == 2,
             "nt_xent: the two views must both be [B, d], got " << shape_str(z1.shape()) << " and "
                                                                << shape_str(z2.shape()));
  KDUP_CHECK(temperature > 0, "nt_xent: temperature must be positive, got " << temperature);
  const int64_t rows = 2 * z1.shape()[0];
  Tensor z = l2_normalize(concat({z1, z2}, 0), 1);
  Tensor logits = matmul(z, z.t()) * (1.0 / temperature);
  Tensor diagonal = eq(Tensor::arange(rows, DType::i64, z.device()).reshape({rows, 1}),
                       Tensor::arange(rows, DType::i64, z.device()).reshape({1, rows}));
  return masked_fill(logits, diagonal, -std::numeric_limits<double>::infinity());
}

Tensor nt_xent_loss(const Tensor& z1, const Tensor& z2, double temperature) {
  const int64_t batch = z1.shape()[0];
  Tensor logits = contrastive_logits(z1, z2, temperature);
  // Row i's positive is row i + B (first view) or i - B (second view).
  std::vector<int64_t> positive(2 * batch);
  for (int64_t i = 0; i < 2 * batch; ++i) positive[i] = (i + batch) % (2 * batch);
  return cross_entropy(logits, Tensor::from_vector(positive, {2 * batch}, z1.device()));
}

}  // namespace kdup
