#include "kdup/colt_tailness.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "autograd/grad_mode.h"

namespace kdup {

Tensor colt_batch_scores(const Tensor& logits, int64_t top_k) {
  KDUP_CHECK(logits.dim() == 2 && logits.shape()[0] == logits.shape()[1] && logits.shape()[0] % 2 == 0 &&
                 logits.shape()[0] >= 4,
             "colt_batch_scores: logits must be 2B x 2B with B >= 2, got " << shape_str(logits.shape()));
  KDUP_CHECK(top_k >= 1, "colt_batch_scores: top_k must be positive, got " << top_k);
  NoGradGuard no_grad;
  const int64_t rows = logits.shape()[0], batch = rows / 2;
  const int64_t k = std::min(top_k, rows - 2);
  const std::vector<double> l = logits.detach().to_vector<double>();
  std::vector<double> row_score(rows);
  for (int64_t i = 0; i < rows; ++i) {
    const int64_t positive = (i + batch) % rows;
    std::vector<double> negatives;
    negatives.reserve(rows - 2);
    for (int64_t j = 0; j < rows; ++j)
      if (j != i && j != positive) negatives.push_back(l[i * rows + j]);
    const double top = *std::max_element(negatives.begin(), negatives.end());
    double total = 0.0;
    for (double& v : negatives) total += (v = std::exp(v - top));
    std::partial_sort(negatives.begin(), negatives.begin() + k, negatives.end(), std::greater<>());
    double top_mass = 0.0;
    for (int64_t j = 0; j < k; ++j) top_mass += negatives[j];
    row_score[i] = top_mass / total;
  }
  std::vector<float> scores(batch);
  for (int64_t b = 0; b < batch; ++b) scores[b] = static_cast<float>(0.5 * (row_score[b] + row_score[b + batch]));
  return Tensor::from_vector(scores, {batch});
}

void colt_ema_update(Tensor& scores, const Tensor& image_indices, const Tensor& batch_scores,
                     double momentum) {
  KDUP_CHECK(scores.defined() && scores.dim() == 1 && scores.dtype() == DType::f32 &&
                 scores.device() == Device::cpu && scores.is_contiguous(),
             "colt_ema_update: scores must be a contiguous float32 [N] CPU tensor");
  KDUP_CHECK(image_indices.dim() == 1 && batch_scores.dim() == 1 &&
                 image_indices.numel() == batch_scores.numel(),
             "colt_ema_update: image_indices " << shape_str(image_indices.shape()) << " and batch_scores "
                                               << shape_str(batch_scores.shape()) << " must both be [B]");
  KDUP_CHECK(momentum >= 0.0 && momentum <= 1.0,
             "colt_ema_update: momentum must lie in [0, 1], got " << momentum);
  const std::vector<int64_t> idx = image_indices.to_vector<int64_t>();
  const std::vector<double> fresh = batch_scores.to_vector<double>();
  float* s = scores.data<float>();
  const int64_t n = scores.numel();
  for (size_t b = 0; b < idx.size(); ++b) {
    KDUP_CHECK(idx[b] >= 0 && idx[b] < n,
               "colt_ema_update: image index " << idx[b] << " outside [0, " << n << ")");
    s[idx[b]] = static_cast<float>(momentum * s[idx[b]] + (1.0 - momentum) * fresh[b]);
  }
}

}  // namespace kdup
