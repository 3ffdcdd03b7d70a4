// Building blocks shared by the contrastive losses of KDUP and COLT: the similarity logits of a
// batch of rows, host-side masks over pairs of rows, and the logsumexp of each row restricted to
// a mask.
#pragma once
#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace kdup {

// A square selection of pairs (i, j) of an N-row batch, row-major: at(i, j) != 0 when j is selected
// for row i.
struct PairMask {
  explicit PairMask(int64_t rows) : n(rows), bits(static_cast<size_t>(rows * rows), 0) {}
  uint8_t& at(int64_t i, int64_t j) { return bits[static_cast<size_t>(i * n + j)]; }
  uint8_t at(int64_t i, int64_t j) const { return bits[static_cast<size_t>(i * n + j)]; }
  int64_t count_in_row(int64_t i) const;

  int64_t n;
  std::vector<uint8_t> bits;
};

// z [N, d] -> [N, N] logits z_i . z_j / tau of the L2-normalised rows.
Tensor normalized_similarity_logits(const Tensor& z, double temperature);

// For x [N, N]: the column [N, 1] of log sum_{j : mask(i, j)} exp(x_ij), computed stably. Every row
// of the mask must select at least one entry (the caller checks: an empty row is -inf).
Tensor row_logsumexp_over(const Tensor& x, const PairMask& mask);

// The mask as a float tensor of like's dtype and device: row_scale[i] where (i, j) is selected,
// 0 elsewhere; a weight matrix for averaging over the selected pairs of each row.
Tensor row_weights(const PairMask& mask, const std::vector<double>& row_scale, const Tensor& like);

// Per-row labels (uint8 or int64, rank 1, `rows` entries) as host integers; errors name the loss.
std::vector<int64_t> row_labels(const char* loss, const Tensor& labels, int64_t rows,
                                const char* what);

}  // namespace kdup
