// OOD budgets per cluster (METHOD.md §1 step 4): u_k = N_b · softmax(ŝ / τ_b)_k, made integers by
// the largest-remainder method so that Σ u_k = N_b exactly.
#pragma once
#include <cstdint>
#include <vector>

namespace kdup {

// Which end of the score means "tail". KDUP's tailness is high for tail clusters; COLT's score is
// high for head clusters, so its budget is softmax(−zscore / T) (METHOD.md §4 item 3).
enum class TailnessDirection { high_is_tail, high_is_head };

// Integer shares of `total` proportional to `weights` (non-negative, not all zero): each gets the
// floor of its quota, and the units left go to the largest fractional parts (ties: lower index).
std::vector<int64_t> largest_remainder(const std::vector<double>& weights, int64_t total);

// cluster_tailness: s_k per cluster (cluster_mean_tailness). Z-scores it (unbiased std), flips the
// sign for high_is_head, and returns the integer budgets u_k, Σ u_k = total.
std::vector<int64_t> ood_budgets(const std::vector<double>& cluster_tailness, int64_t total,
                                 double temperature = 1.0,
                                 TailnessDirection direction = TailnessDirection::high_is_tail);

}  // namespace kdup
