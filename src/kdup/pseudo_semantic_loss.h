// KDUP's pseudo-semantic discrimination loss L_PSD (paper Eq. 8).
#pragma once
#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace kdup {

// Which rows the denominator of Eq. 8 sums over.
enum class PsdDenominator {
  // Eq. 8 as written: the negatives only, i.e. every other row that is not a positive (the
  // "decoupled" form; the loss can go below zero).
  as_written,
  // InfoNCE: every other row, positives included (the loss is >= 0).
  infonce,
};

// z1, z2: [B, d] projections of two views of the same B samples (L2-normalised here); the 2B rows
// are z = [z1; z2], row i and row i + B being the two views of sample i.
// partners: uint8 [B, B], partners[a][b] != 0 when sample b is one of a's positive partners (its
// pseudo-semantic neighbours, METHOD.md §1.6) present in the batch. It need not be symmetric: row
// a's positives come from row a of the matrix only. The diagonal is ignored.
// For row i of sample a:
//   S_i^pos = the other view of a, plus both views of every partner b of a,
//   S_i^neg = every row except i,
//   L_PSD = -(1/2B) sum_i log( sum_{j in S_i^pos} e^{z_i.z_j/tau} / sum_{j in D_i} e^{z_i.z_j/tau})
// with D_i = S_i^neg \ S_i^pos (as_written) or S_i^neg (infonce). Both sums are masked logsumexps,
// so large logits stay finite. With as_written, a row whose every other row is a positive has an
// empty denominator: that is an error.
Tensor pseudo_semantic_loss(const Tensor& z1, const Tensor& z2, const Tensor& partners,
                            double temperature,
                            PsdDenominator denominator = PsdDenominator::as_written);

// The same with the partner matrix as host bytes, row-major [B * B] (a trainer builds it on the
// host: no read of a device tensor). The overload above reads its tensor and calls this one.
Tensor pseudo_semantic_loss(const Tensor& z1, const Tensor& z2,
                            const std::vector<uint8_t>& partners, double temperature,
                            PsdDenominator denominator = PsdDenominator::as_written);

// The partner matrix from per-sample lists, as host bytes [B * B] and as a tensor: partner_positions[a] holds the batch positions (in
// [0, B), B = partner_positions.size()) of a's partners. The tensor is uint8 [B, B] on `device`.
std::vector<uint8_t> partner_bits(const std::vector<std::vector<int64_t>>& partner_positions);
Tensor partner_matrix(const std::vector<std::vector<int64_t>>& partner_positions,
                      Device device = Device::cpu);

}  // namespace kdup
