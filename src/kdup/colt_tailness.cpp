#include "kdup/colt_tailness.h"

#include <algorithm>
#include <limits>

#include "autograd/grad_mode.h"
#include "kdup/two_view_indices.h"
#include "ops/ops.h"

namespace kdup {

Tensor colt_batch_scores(const Tensor& logits, int64_t top_k) {
  KDUP_CHECK(logits.dim() == 2 && logits.shape()[0] == logits.shape()[1] && logits.shape()[0] % 2 == 0 &&
                 logits.shape()[0] >= 4,
             "colt_batch_scores: logits must be 2B x 2B with B >= 2, got " << shape_str(logits.shape()));
  KDUP_CHECK(top_k >= 1, "colt_batch_scores: top_k must be positive, got " << top_k);
  NoGradGuard no_grad;
  const int64_t rows = logits.shape()[0], batch = rows / 2;
  const int64_t k = std::min(top_k, rows - 2);
  // Each row's negatives: every column but itself and its positive, in float64.
  const TwoViewIndices& indices = two_view_indices(batch, logits.device());
  const double minus_inf = -std::numeric_limits<double>::infinity();
  const Tensor negatives = masked_fill(
      masked_fill(logits.detach().to(DType::f64), indices.self_mask, minus_inf),
      indices.partner_mask, minus_inf);
  // Softmax over the negatives, then the mass of the k largest probabilities.
  const Tensor log_probabilities = negatives - logsumexp(negatives, 1, /*keepdim=*/true);
  const Tensor row_score = sum(exp(topk(log_probabilities, k, 1).first), {1});
  return ((row_score.slice(0, 0, batch) + row_score.slice(0, batch, rows)) * 0.5).to(DType::f32);
}

void colt_ema_update(Tensor& scores, const std::vector<int64_t>& image_indices,
                     const std::vector<double>& batch_scores, double momentum) {
  KDUP_CHECK(scores.defined() && scores.dim() == 1 && scores.dtype() == DType::f32 &&
                 scores.device() == Device::cpu && scores.is_contiguous(),
             "colt_ema_update: scores must be a contiguous float32 [N] CPU tensor");
  KDUP_CHECK(image_indices.size() == batch_scores.size(),
             "colt_ema_update: " << image_indices.size() << " image indices for "
                                 << batch_scores.size() << " batch scores");
  KDUP_CHECK(momentum >= 0.0 && momentum <= 1.0,
             "colt_ema_update: momentum must lie in [0, 1], got " << momentum);
  float* s = scores.data<float>();
  const int64_t n = scores.numel();
  for (size_t b = 0; b < image_indices.size(); ++b) {
    const int64_t i = image_indices[b];
    KDUP_CHECK(i >= 0 && i < n, "colt_ema_update: image index " << i << " outside [0, " << n << ")");
    s[i] = static_cast<float>(momentum * s[i] + (1.0 - momentum) * batch_scores[b]);
  }
}

}  // namespace kdup
