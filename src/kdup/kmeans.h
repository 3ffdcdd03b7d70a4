// k-means clustering (Lloyd's algorithm) with k-means++ seeding (Arthur & Vassilvitskii,
// "k-means++: the advantages of careful seeding", SODA 2007): the centroid initialisation of
// METHOD.md §1.2. Every random draw comes from Philox under the config's seed, so a clustering is
// reproducible.
#pragma once
#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace kdup {

struct KMeansConfig {
  int64_t num_clusters = 10;
  int64_t max_iterations = 300;  // Lloyd updates; stops earlier when no assignment changes
  uint64_t seed = 0;
  int64_t chunk_rows = 4096;  // points per distance block
};

struct KMeansResult {
  Tensor centroids;                  // float32 [K, D] on the CPU
  std::vector<int64_t> assignments;  // nearest centroid of every point
  double inertia = 0;                // sum of squared distances of the points to their centroids
  int64_t iterations = 0;            // Lloyd updates run
};

// points: floating [N, D] on any device (clustered as float32 on the CPU); 1 <= K <= N.
KMeansResult kmeans(const Tensor& points, const KMeansConfig& config);

// The k-means++ seeding alone: the row indices of the K initial centres. The first is uniform; each
// next one is drawn with probability proportional to D(x)^2, the squared distance of x to the
// nearest centre chosen so far. Points at distance 0 are never drawn, so the centres are distinct
// points (and distinct values while any point remains that differs from every chosen centre).
std::vector<int64_t> kmeans_plus_plus(const Tensor& points, int64_t num_clusters, uint64_t seed,
                                      int64_t chunk_rows = 4096);

}  // namespace kdup
