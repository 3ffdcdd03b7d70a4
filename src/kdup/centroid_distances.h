// Squared L2 distances between points and centroids, by the expansion
//   |x - mu|^2 = |x|^2 - 2 x.mu + |mu|^2,
// so the work is one matrix product and a large point set can be processed in row chunks with
// bounded memory (an [chunk, K] block at a time, never [N, K, D]).
#pragma once
#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace kdup {

// |x_i|^2 of every row of points [n, D], as [n, 1] (computed once, reused across passes).
Tensor squared_row_norms(const Tensor& points);

// points [n, D], centroids [K, D] -> [n, K], clamped at 0 (the expansion can round below it).
// point_squared_norms [n, 1], when given, stands for squared_row_norms(points).
// Differentiable in both arguments; runs on the arguments' device and dtype.
Tensor squared_distances(const Tensor& points, const Tensor& centroids,
                         const Tensor& point_squared_norms = Tensor());

// The nearest centroid of every point (ties go to the lower centroid index) and its squared
// distance, computed chunk_rows points at a time without recording a graph. point_squared_norms
// [N, 1] as in squared_distances.
struct NearestCentroids {
  std::vector<int64_t> index;
  std::vector<double> squared_distance;
};
NearestCentroids nearest_centroids(const Tensor& points, const Tensor& centroids,
                                   int64_t chunk_rows = 4096,
                                   const Tensor& point_squared_norms = Tensor());

// Points [N, D] and centroids [K, D] agree on D, K >= 1, both floating: else an error naming op.
void check_points_and_centroids(const char* op, const Tensor& points, const Tensor& centroids);

}  // namespace kdup
