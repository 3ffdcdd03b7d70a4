#include "kdup/nt_xent.h"

#include <limits>

#include "kdup/two_view_indices.h"
#include "ops/ops.h"

namespace kdup {

Tensor contrastive_logits(const Tensor& z1, const Tensor& z2, double temperature) {
  KDUP_CHECK(z1.shape() == z2.shape() && z1.dim() == 2,
             "nt_xent: the two views must both be [B, d], got " << shape_str(z1.shape()) << " and "
                                                                << shape_str(z2.shape()));
  KDUP_CHECK(temperature > 0, "nt_xent: temperature must be positive, got " << temperature);
  Tensor z = l2_normalize(concat({z1, z2}, 0), 1);
  Tensor logits = matmul(z, z.t()) * (1.0 / temperature);
  return masked_fill(logits, two_view_indices(z1.shape()[0], z.device()).self_mask,
                     -std::numeric_limits<double>::infinity());
}

Tensor nt_xent_loss(const Tensor& z1, const Tensor& z2, double temperature) {
  Tensor logits = contrastive_logits(z1, z2, temperature);
  // Row i's positive is row i + B (first view) or i - B (second view).
  return cross_entropy(logits, two_view_indices(z1.shape()[0], z1.device()).partner);
}

}  // namespace kdup
