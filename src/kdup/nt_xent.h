// NT-Xent, the normalised-temperature cross-entropy of SimCLR (Chen et al., 2020).
#pragma once
#include "tensor/tensor.h"

namespace kdup {

// z1, z2: [B, d] projections of two views of the same B images (normalised here). Over the 2B rows
// z = [z1; z2], each row's positive is the other view of its image and every other row is a
// negative:
//   L = -(1/2B) sum_i log( exp(cos(z_i, z_p(i)) / tau) / sum_{k != i} exp(cos(z_i, z_k) / tau) ).
Tensor nt_xent_loss(const Tensor& z1, const Tensor& z2, double temperature);

// The 2B x 2B similarity logits cos(z_i, z_k) / tau with the diagonal at -inf, shared by NT-Xent and
// COLT's tailness score.
Tensor contrastive_logits(const Tensor& z1, const Tensor& z2, double temperature);

}  // namespace kdup
