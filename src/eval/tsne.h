// t-SNE (van der Maaten & Hinton, 2008), exact: pairwise affinities for a few thousand points,
// a 2-D embedding for pictures such as the paper's Figure 3. Seeded, so a picture is reproducible.
#pragma once
#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace kdup {

struct TsneConfig {
  double perplexity = 30;
  int64_t iterations = 1000;
  int64_t exaggeration_iterations = 250;  // early exaggeration phase
  double exaggeration = 12;
  double learning_rate = 200;
  uint64_t seed = 0;
};

// features [N, D] (any float dtype, any device) -> [N, 2] float64 coordinates on the CPU.
// N must exceed 3 * perplexity (an error names both otherwise).
Tensor tsne(const Tensor& features, const TsneConfig& config = {});

// The fraction of points whose k nearest neighbours (Euclidean, in `points`) mostly share their
// label: a measure of how well an embedding keeps classes apart.
double knn_label_purity(const Tensor& points, const std::vector<int64_t>& labels, int64_t k);

}  // namespace kdup
