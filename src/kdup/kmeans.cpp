#include "kdup/kmeans.h"

#include <algorithm>

#include "kdup/centroid_distances.h"
#include "ops/ops.h"
#include "tensor/philox.h"

namespace kdup {
namespace {

void check_kmeans_input(const char* op, const Tensor& points, int64_t k, int64_t chunk_rows) {
  KDUP_CHECK(points.defined() && points.dim() == 2,
             op << ": points must be [N, D], got "
                << (points.defined() ? shape_str(points.shape()) : "undefined"));
  KDUP_CHECK(is_floating(points.dtype()), op << ": points " << shape_str(points.shape())
                                             << " must be floating, got "
                                             << dtype_name(points.dtype()));
  KDUP_CHECK(k >= 1 && k <= points.shape()[0],
             op << ": K = " << k << " must lie in [1, N] for points " << shape_str(points.shape()));
  KDUP_CHECK(chunk_rows >= 1, op << ": chunk_rows = " << chunk_rows << " must be >= 1");
}

// The points as a contiguous float32 CPU tensor without history (no copy when they already are).
Tensor cpu_float_points(const Tensor& points) {
  NoGradGuard no_grad;
  return points.detach().to(Device::cpu).to(DType::f32).contiguous();
}

// Uniform in [0, 1) with 53 random bits: draw `index` of Philox stream `stream`.
double uniform53(uint64_t seed, uint64_t stream, uint64_t index) {
  Philox4 r = philox(seed, stream, index);
  const uint64_t bits = (static_cast<uint64_t>(r.v[0] >> 5) << 26) | (r.v[1] >> 6);
  return static_cast<double>(bits) * (1.0 / 9007199254740992.0);
}

// Index drawn with probability weight[i] / sum(weight); only positive weights can be drawn.
// All-zero weights (every point coincides with a chosen centre) fall back to the lowest index
// not yet taken.
int64_t draw_proportional(const std::vector<double>& weight, double u,
                          const std::vector<bool>& taken) {
  double total = 0;
  for (double w : weight) total += w;
  const int64_t n = static_cast<int64_t>(weight.size());
  if (total > 0) {
    const double target = u * total;
    double cumulative = 0;
    int64_t last_positive = -1;
    for (int64_t i = 0; i < n; ++i) {
      if (weight[i] <= 0) continue;
      cumulative += weight[i];
      last_positive = i;
      if (cumulative > target) return i;
    }
    return last_positive;  // rounding left the target just above the running sum
  }
  for (int64_t i = 0; i < n; ++i)
    if (!taken[i]) return i;
  return 0;
}

// Lloyd's update: each centroid becomes the mean of its points. A cluster left empty is re-seeded
// with the point farthest from its own centroid (lowest index on ties) taken from a cluster that
// keeps at least one other member; that point moves to the empty cluster in `assignments`.
Tensor update_centroids(const Tensor& points, int64_t k, std::vector<int64_t>& assignments,
                        std::vector<double> squared_distance) {
  const int64_t n = points.shape()[0], d = points.shape()[1];
  std::vector<int64_t> counts(k, 0);
  for (int64_t a : assignments) ++counts[a];
  for (int64_t c = 0; c < k; ++c) {
    if (counts[c] > 0) continue;
    int64_t farthest = -1;
    for (int64_t i = 0; i < n; ++i)
      if (counts[assignments[i]] > 1 &&
          (farthest < 0 || squared_distance[i] > squared_distance[farthest]))
        farthest = i;
    --counts[assignments[farthest]];  // K <= N guarantees a cluster with two members exists
    assignments[farthest] = c;
    counts[c] = 1;
    squared_distance[farthest] = -1;  // never moved twice
  }
  const float* x = points.data<float>();
  std::vector<double> sums(k * d, 0.0);
  for (int64_t i = 0; i < n; ++i) {
    double* row = &sums[assignments[i] * d];
    for (int64_t j = 0; j < d; ++j) row[j] += x[i * d + j];
  }
  std::vector<float> means(k * d);
  for (int64_t c = 0; c < k; ++c)
    for (int64_t j = 0; j < d; ++j)
      means[c * d + j] = static_cast<float>(sums[c * d + j] / counts[c]);
  return Tensor::from_vector<float>(means, {k, d});
}

double total(const std::vector<double>& values) {
  double s = 0;
  for (double v : values) s += v;
  return s;
}

// k-means++ on float32 CPU points x with their squared row norms (see kmeans_plus_plus).
std::vector<int64_t> seed_centres(const Tensor& x, const Tensor& norms, int64_t num_clusters,
                                  uint64_t seed, int64_t chunk_rows) {
  const int64_t n = x.shape()[0];
  std::vector<bool> taken(n, false);
  std::vector<int64_t> centres;
  std::vector<double> nearest_sq(n, 0.0);  // D(x)^2 to the centres chosen so far
  for (int64_t c = 0; c < num_clusters; ++c) {
    const double u = uniform53(seed, 0, static_cast<uint64_t>(c));
    const int64_t pick = c == 0 ? std::min<int64_t>(static_cast<int64_t>(u * n), n - 1)
                                : draw_proportional(nearest_sq, u, taken);
    centres.push_back(pick);
    taken[pick] = true;
    NearestCentroids to_pick = nearest_centroids(x, x.slice(0, pick, pick + 1), chunk_rows, norms);
    for (int64_t i = 0; i < n; ++i)
      nearest_sq[i] = c == 0 ? to_pick.squared_distance[i]
                             : std::min(nearest_sq[i], to_pick.squared_distance[i]);
    nearest_sq[pick] = 0;  // exactly, whatever the rounding of the expansion
  }
  return centres;
}

}  // namespace

std::vector<int64_t> kmeans_plus_plus(const Tensor& points, int64_t num_clusters, uint64_t seed,
                                      int64_t chunk_rows) {
  check_kmeans_input("kmeans_plus_plus", points, num_clusters, chunk_rows);
  Tensor x = cpu_float_points(points);
  NoGradGuard no_grad;
  return seed_centres(x, squared_row_norms(x), num_clusters, seed, chunk_rows);
}

KMeansResult kmeans(const Tensor& points, const KMeansConfig& config) {
  check_kmeans_input("kmeans", points, config.num_clusters, config.chunk_rows);
  KDUP_CHECK(config.max_iterations >= 0,
             "kmeans: max_iterations = " << config.max_iterations << " must be >= 0");
  Tensor x = cpu_float_points(points);
  const int64_t k = config.num_clusters;
  NoGradGuard no_grad;
  Tensor norms = squared_row_norms(x);  // [N, 1], shared by every distance pass
  std::vector<int64_t> seeds = seed_centres(x, norms, k, config.seed, config.chunk_rows);
  Tensor centroids = index_select(x, Tensor::from_vector<int64_t>(seeds, {k})).contiguous();
  NearestCentroids nearest = nearest_centroids(x, centroids, config.chunk_rows, norms);
  KMeansResult result;
  while (result.iterations < config.max_iterations) {
    centroids = update_centroids(x, k, nearest.index, nearest.squared_distance);
    ++result.iterations;
    NearestCentroids next = nearest_centroids(x, centroids, config.chunk_rows, norms);
    const bool changed = next.index != nearest.index;
    nearest = std::move(next);
    if (!changed) break;
  }
  result.centroids = centroids;
  result.assignments = std::move(nearest.index);
  result.inertia = total(nearest.squared_distance);
  return result;
}

}  // namespace kdup
