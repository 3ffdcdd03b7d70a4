#include "kdup/pair_masks.h"

#include <limits>

#include "ops/ops.h"

namespace kdup {

int64_t PairMask::count_in_row(int64_t i) const {
  int64_t count = 0;
  for (int64_t j = 0; j < n; ++j) count += at(i, j) != 0;
  return count;
}

Tensor normalized_similarity_logits(const Tensor& z, double temperature) {
  Tensor unit = l2_normalize(z, 1);
  return matmul(unit, unit.t()) * (1.0 / temperature);
}

Tensor row_logsumexp_over(const Tensor& x, const PairMask& mask) {
  std::vector<uint8_t> excluded(mask.bits.size());
  for (size_t k = 0; k < excluded.size(); ++k) excluded[k] = mask.bits[k] == 0;
  Tensor excluded_mask = Tensor::from_vector(excluded, {mask.n, mask.n}, x.device());
  // Excluded entries become -inf: exp() maps them to 0 and where() sends them no gradient.
  return logsumexp(masked_fill(x, excluded_mask, -std::numeric_limits<double>::infinity()), 1,
                   /*keepdim=*/true);
}

Tensor row_weights(const PairMask& mask, const std::vector<double>& row_scale, const Tensor& like) {
  std::vector<double> weights(mask.bits.size(), 0.0);
  for (int64_t i = 0; i < mask.n; ++i)
    for (int64_t j = 0; j < mask.n; ++j)
      if (mask.at(i, j)) weights[static_cast<size_t>(i * mask.n + j)] = row_scale[i];
  return Tensor::from_vector(weights, {mask.n, mask.n}, like.device()).to(like.dtype());
}

std::vector<int64_t> row_labels(const char* loss, const Tensor& labels, int64_t rows,
                                const char* what) {
  KDUP_CHECK(labels.defined(), loss << ": the " << what << " tensor is undefined");
  KDUP_CHECK(labels.dtype() == DType::u8 || labels.dtype() == DType::i64,
             loss << ": the " << what << " must be uint8 or int64, got "
                  << dtype_name(labels.dtype()));
  KDUP_CHECK(labels.dim() == 1 && labels.shape()[0] == rows,
             loss << ": expected " << what << " of shape [" << rows << "] (one per row), got "
                  << shape_str(labels.shape()));
  return labels.to_vector<int64_t>();
}

}  // namespace kdup
