#include "kdup/pseudo_semantic_loss.h"

#include "kdup/pair_masks.h"
#include "ops/ops.h"

namespace kdup {
namespace {

// Positives of Eq. 8 over the 2B rows: for rows i, j of samples a = i mod B, b = j mod B, j != i,
// j is a positive of i when b == a (the other view) or b is a partner of a.
PairMask positive_pairs(const std::vector<uint8_t>& partners, int64_t batch) {
  PairMask positive(2 * batch);
  for (int64_t i = 0; i < 2 * batch; ++i)
    for (int64_t j = 0; j < 2 * batch; ++j) {
      const int64_t a = i % batch, b = j % batch;
      positive.at(i, j) = j != i && (b == a || partners[static_cast<size_t>(a * batch + b)] != 0);
    }
  return positive;
}

PairMask denominator_pairs(const PairMask& positive, PsdDenominator denominator) {
  PairMask selected(positive.n);
  for (int64_t i = 0; i < positive.n; ++i)
    for (int64_t j = 0; j < positive.n; ++j)
      selected.at(i, j) =
          j != i && (denominator == PsdDenominator::infonce || positive.at(i, j) == 0);
  return selected;
}

}  // namespace

Tensor pseudo_semantic_loss(const Tensor& z1, const Tensor& z2,
                            const std::vector<uint8_t>& partners, double temperature,
                            PsdDenominator denominator) {
  KDUP_CHECK(z1.defined() && z2.defined(), "pseudo_semantic_loss: undefined view tensor");
  KDUP_CHECK(z1.dim() == 2 && z1.shape() == z2.shape(),
             "pseudo_semantic_loss: the two views must both be [B, d], got "
                 << shape_str(z1.shape()) << " and " << shape_str(z2.shape()));
  KDUP_CHECK(temperature > 0, "pseudo_semantic_loss: temperature must be positive, got "
                                  << temperature);
  const int64_t batch = z1.shape()[0];
  KDUP_CHECK(batch >= 1, "pseudo_semantic_loss: empty batch");
  KDUP_CHECK(static_cast<int64_t>(partners.size()) == batch * batch,
             "pseudo_semantic_loss: partners must be [" << batch << ", " << batch << "] for views "
                                                        << shape_str(z1.shape()) << ", got "
                                                        << partners.size() << " entries");
  const PairMask positive = positive_pairs(partners, batch);
  const PairMask denominator_mask = denominator_pairs(positive, denominator);
  for (int64_t i = 0; i < 2 * batch; ++i)
    KDUP_CHECK(denominator_mask.count_in_row(i) > 0,
               "pseudo_semantic_loss: row " << i << " has no negatives (every other row of the "
                                            << 2 * batch
                                            << "-row batch is a positive); the as_written "
                                               "denominator of Eq. 8 is empty");

  Tensor logits = normalized_similarity_logits(concat({z1, z2}, 0), temperature);
  // Eq. 8: -log(sum_pos exp / sum_den exp) = lse_den - lse_pos, averaged over the 2B rows.
  return mean(row_logsumexp_over(logits, denominator_mask) - row_logsumexp_over(logits, positive));
}

Tensor pseudo_semantic_loss(const Tensor& z1, const Tensor& z2, const Tensor& partners,
                            double temperature, PsdDenominator denominator) {
  KDUP_CHECK(z1.defined() && z2.defined(), "pseudo_semantic_loss: undefined view tensor");
  const int64_t batch = z1.dim() == 2 ? z1.shape()[0] : 0;
  KDUP_CHECK(partners.defined() && partners.dtype() == DType::u8,
             "pseudo_semantic_loss: partners must be a uint8 [B, B] matrix");
  KDUP_CHECK(z1.dim() != 2 || partners.shape() == (Shape{batch, batch}),
             "pseudo_semantic_loss: partners must be [" << batch << ", " << batch
                                                        << "] for views " << shape_str(z1.shape())
                                                        << ", got " << shape_str(partners.shape()));
  return pseudo_semantic_loss(z1, z2, partners.to_vector<uint8_t>(), temperature, denominator);
}

std::vector<uint8_t> partner_bits(const std::vector<std::vector<int64_t>>& partner_positions) {
  const int64_t batch = static_cast<int64_t>(partner_positions.size());
  std::vector<uint8_t> matrix(static_cast<size_t>(batch * batch), 0);
  for (int64_t a = 0; a < batch; ++a)
    for (int64_t b : partner_positions[static_cast<size_t>(a)]) {
      KDUP_CHECK(b >= 0 && b < batch, "partner_matrix: sample " << a << " lists partner " << b
                                                                << ", outside the batch [0, "
                                                                << batch << ")");
      matrix[static_cast<size_t>(a * batch + b)] = 1;
    }
  return matrix;
}

Tensor partner_matrix(const std::vector<std::vector<int64_t>>& partner_positions, Device device) {
  const auto batch = static_cast<int64_t>(partner_positions.size());
  return Tensor::from_vector(partner_bits(partner_positions), {batch, batch}, device);
}

}  // namespace kdup
