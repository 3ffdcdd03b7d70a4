// Squared L2 distances between points and centroids, by the expansion
//   |x - mu|^2 = |x|^2 - 2 x.mu + |mu|^2,
// so the work is one matrix product and a large point set can be processed in row chunks with
// bounded memory (an [chunk, K] block at a time, never [N, K, D]).
#pragma once
#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace kdup {

// points [n, D], centroids [K, D] -> [n, K], clamped at 0 (the expansion can round below it).
// Differentiable in both arguments; runs on the arguments' device and dtype.
Tensor squared_distances(const Tensor& points, const Tensor& centroids);

// The nearest centroid of every point (ties go to the lower centroid index) and its squared
// distance, computed chunk_rows points at a time without recording a graph.
struct NearestCentroids {
  std::vector<int64_t> index;
  std::vector<double> squared_distance;
};
NearestCentroids nearest_centroids(const Tensor& points, const Tensor& centroids,
                                   int64_t chunk_rows = 4096);

// Points [N, D] and centroids [K, D] agree on D, K >= 1, both floating: else an error naming op.
void check_points_and_centroids(const char* op, const Tensor& points, const Tensor& centroids);

}  // namespace kdup
