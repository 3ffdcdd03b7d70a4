// Tailness of each cluster (METHOD.md §1 step 4): the mean tailness of its members, then a z-score
// over the clusters.
#pragma once
#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace kdup {

// s_k = mean of sample_tailness[i] over the samples with assignments[i] == k.
// sample_tailness: float [N]; assignments: int64 [N] in [0, num_clusters).
// An empty cluster has no member to average, so it gets the mean of the non-empty clusters' values:
// finite, and after the z-score exactly neutral (0), so its budget neither grows nor shrinks the
// others' ranking. All clusters empty (N = 0) is an error.
std::vector<double> cluster_mean_tailness(const Tensor& sample_tailness, const Tensor& assignments,
                                          int64_t num_clusters);

// (v − mean(v)) / std(v) with the unbiased std (N − 1, as COLT). A single value or a zero std gives
// all zeros (every cluster equally tail-like).
std::vector<double> zscore(const std::vector<double>& values);

}  // namespace kdup
