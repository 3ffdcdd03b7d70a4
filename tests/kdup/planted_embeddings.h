// Synthetic embeddings with planted structure for the stage-1 sampling tests: dense head clusters
// (many points, little spread) and sparse tail clusters (few points, wide spread).
#pragma once
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "tensor/tensor.h"

namespace kdup::test {

struct PlantedClusters {
  Tensor embeddings;             // float64 [N, D]
  Tensor assignments;            // int64 [N], the planted cluster of each row
  std::vector<bool> is_tail;     // per cluster
  std::vector<int64_t> sizes;    // per cluster
};

inline PlantedClusters planted_clusters(int64_t heads, int64_t tails, int64_t dim, uint64_t seed,
                                        int64_t head_size = 150, int64_t tail_size = 20,
                                        double head_spread = 0.05, double tail_spread = 0.35) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  PlantedClusters p;
  std::vector<double> rows;
  std::vector<int64_t> labels;
  for (int64_t c = 0; c < heads + tails; ++c) {
    const bool tail = c >= heads;
    const int64_t size = tail ? tail_size : head_size;
    const double spread = tail ? tail_spread : head_spread;
    std::vector<double> centre(dim);
    double norm = 0.0;
    for (double& v : centre) {
      v = normal(rng);
      norm += v * v;
    }
    for (double& v : centre) v /= std::sqrt(norm);
    for (int64_t i = 0; i < size; ++i) {
      for (int64_t j = 0; j < dim; ++j) rows.push_back(centre[j] + spread * normal(rng));
      labels.push_back(c);
    }
    p.is_tail.push_back(tail);
    p.sizes.push_back(size);
  }
  const int64_t n = static_cast<int64_t>(labels.size());
  p.embeddings = Tensor::from_vector(rows, {n, dim});
  p.assignments = Tensor::from_vector(labels, {n});
  return p;
}

}  // namespace kdup::test
