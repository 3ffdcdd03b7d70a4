// KDUP stage 2 (METHOD.md §2): the guided contrastive loss L_GCL (paper Eq. 11) and the
// distillation loss L_DL (paper Eq. 12) that train g under the frozen stage-1 network f.
#pragma once
#include "tensor/tensor.h"

namespace kdup {

// cos(a_i, b_i) for every row: a, b [B, d] -> [B].
Tensor rowwise_cosine(const Tensor& a, const Tensor& b);

// The guidance weights of Eq. 11 from f's embeddings of the anchors, their positives and their
// negatives (each [B, d]): w_pos = cos(z_i, z_i^p), w_neg = cos(z_i, z_i^n), both [B], detached.
struct GuidanceWeights {
  Tensor positive;
  Tensor negative;
};
GuidanceWeights guidance_weights(const Tensor& z, const Tensor& z_positive,
                                 const Tensor& z_negative);

// Eq. 11: y, y_positive, y_negative [B, d] are g's embeddings of the anchors, positives and
// negatives; w_positive, w_negative [B] the guidance weights (detached here: f is frozen).
//   L_GCL = (1/B) sum_i [ (1 + w_i^pos)(1 - cos(y_i, y_i^p)) + (1 - w_i^neg)(1 + cos(y_i, y_i^n)) ]
// Zero weights give the unweighted "guided sampling" ablation.
Tensor guided_contrastive_loss(const Tensor& y, const Tensor& y_positive, const Tensor& y_negative,
                               const Tensor& w_positive, const Tensor& w_negative);

// Eq. 12: z [B, d_f] from f (detached here), y [B, d_g] from g, B >= 2:
//   L_DL = 1/(B(B-1)) sum_i sum_{j != i} (cos(z_i, z_j) - cos(y_i, y_j))^2.
Tensor distillation_loss(const Tensor& z, const Tensor& y);

}  // namespace kdup
