// COLT's per-sample tailness (Bai et al., ICLR 2023; METHOD.md §4 item 3), for the COLT baseline.
// High = head-like: a sample whose hardest negatives take much probability mass sits in a crowd.
#pragma once
#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace kdup {

// logits: the 2B x 2B NT-Xent logits of one batch (contrastive_logits: rows [view 1; view 2], the
// diagonal at -inf, row i's positive at (i + B) mod 2B). For each row the logits of its 2B − 2
// negatives (positive and self excluded) go through a softmax normalised over those negatives
// only; the row's score is the sum of its top_k probabilities (top_k clipped to 2B − 2 for small
// batches). An image's score is the mean over the rows of its two views.
// Returns float32 [B] on the logits' device (computed in float64); no gradient flows.
Tensor colt_batch_scores(const Tensor& logits, int64_t top_k = 10);

// EMA of the batch scores into a per-dataset float32 [N] CPU tensor, in place:
//   scores[image_indices[b]] ← momentum·scores[image_indices[b]] + (1 − momentum)·batch_scores[b].
// image_indices: the dataset indices of the batch's images; batch_scores: their scores as read
// from colt_batch_scores (host values: the trainer reads them with its step's loss).
void colt_ema_update(Tensor& scores, const std::vector<int64_t>& image_indices,
                     const std::vector<double>& batch_scores, double momentum = 0.97);

}  // namespace kdup
