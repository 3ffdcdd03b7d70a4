#include "kdup/centroid_distances.h"

#include <algorithm>

#include "ops/ops.h"

namespace kdup {

void check_points_and_centroids(const char* op, const Tensor& points, const Tensor& centroids) {
  KDUP_CHECK(points.defined() && centroids.defined(),
             op << ": points and centroids must be defined");
  KDUP_CHECK(points.dim() == 2 && centroids.dim() == 2 &&
                 points.shape()[1] == centroids.shape()[1] && centroids.shape()[0] >= 1,
             op << ": points " << shape_str(points.shape()) << " and centroids "
                << shape_str(centroids.shape()) << " must be [N, D] and [K, D] with K >= 1");
  KDUP_CHECK(is_floating(points.dtype()) && is_floating(centroids.dtype()),
             op << ": points (" << dtype_name(points.dtype()) << ") and centroids ("
                << dtype_name(centroids.dtype()) << ") must be floating point");
}

Tensor squared_row_norms(const Tensor& points) { return sum(points * points, {1}, true); }

Tensor squared_distances(const Tensor& points, const Tensor& centroids,
                         const Tensor& point_squared_norms) {
  check_points_and_centroids("squared_distances", points, centroids);
  const int64_t n = points.shape()[0], k = centroids.shape()[0];
  const bool norms_given = point_squared_norms.defined();
  KDUP_CHECK(!norms_given || point_squared_norms.shape() == Shape({n, 1}),
             "squared_distances: point norms " << shape_str(point_squared_norms.shape())
                                               << " must be [" << n << ", 1]");
  Tensor point_norms = norms_given ? point_squared_norms : squared_row_norms(points);  // [n, 1]
  Tensor centroid_norms = sum(centroids * centroids, {1}, true).reshape({1, k});       // [1, K]
  Tensor cross = matmul(points, centroids.t());                                        // [n, K]
  return clamp_min(point_norms - 2.0 * cross + centroid_norms, 0.0);
}

NearestCentroids nearest_centroids(const Tensor& points, const Tensor& centroids,
                                   int64_t chunk_rows, const Tensor& point_squared_norms) {
  check_points_and_centroids("nearest_centroids", points, centroids);
  KDUP_CHECK(chunk_rows >= 1, "nearest_centroids: chunk_rows = " << chunk_rows << " must be >= 1");
  NoGradGuard no_grad;
  const int64_t n = points.shape()[0];
  NearestCentroids out;
  out.index.reserve(n);
  out.squared_distance.reserve(n);
  for (int64_t start = 0; start < n; start += chunk_rows) {
    const int64_t end = std::min(n, start + chunk_rows);
    // The nearest centroid is the maximum of the negated distances (first maximum on ties).
    Tensor norms =
        point_squared_norms.defined() ? point_squared_norms.slice(0, start, end) : Tensor();
    Tensor distances = squared_distances(points.slice(0, start, end), centroids, norms);
    auto [negated, index] = max_with_indices(neg(distances), 1);
    for (int64_t i : index.to_vector<int64_t>()) out.index.push_back(i);
    for (double d : negated.to_vector<double>()) out.squared_distance.push_back(-d);
  }
  return out;
}

}  // namespace kdup
