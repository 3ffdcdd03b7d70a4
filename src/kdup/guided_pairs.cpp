#include "kdup/guided_pairs.h"

#include "eval/knn.h"
#include "kdup/kmeans.h"
#include "ops/ops.h"
#include "tensor/philox.h"

namespace kdup {
namespace {

// The Philox stream of an epoch's pair draws ("kdup" in the high word keeps it apart from the
// streams of the epoch permutation and the augmentation under the same seed).
constexpr uint64_t kPairStream = 0x6B647570ULL << 32;

// Uniform in [0, n) from 32 random bits.
int64_t pick(uint32_t bits, int64_t n) {
  return static_cast<int64_t>((static_cast<uint64_t>(bits) * static_cast<uint64_t>(n)) >> 32);
}

// For every cluster, the occupied cluster other than itself whose centroid is farthest in L2
// (ties: the lower index). centroids: [K, D].
std::vector<int64_t> farthest_clusters(const Tensor& centroids, const std::vector<int64_t>& sizes) {
  const int64_t k = centroids.shape()[0], d = centroids.shape()[1];
  const std::vector<double> mu = centroids.contiguous().to_vector<double>();
  std::vector<int64_t> farthest(k, -1);
  for (int64_t a = 0; a < k; ++a) {
    double best = -1;
    for (int64_t b = 0; b < k; ++b) {
      if (b == a || sizes[b] == 0) continue;
      double squared = 0;
      for (int64_t j = 0; j < d; ++j) {
        const double diff = mu[a * d + j] - mu[b * d + j];
        squared += diff * diff;
      }
      if (squared > best) {
        best = squared;
        farthest[a] = b;
      }
    }
  }
  return farthest;
}

}  // namespace

GuidedPairs make_guided_pairs(Tensor neighbours, Tensor clusters, Tensor farthest_cluster) {
  const char* op = "guided pairs";
  KDUP_CHECK(neighbours.defined() && clusters.defined() && farthest_cluster.defined(),
             op << ": neighbour lists, cluster assignments and farthest clusters are all required");
  KDUP_CHECK(neighbours.dim() == 2 && clusters.dim() == 1 && farthest_cluster.dim() == 1 &&
                 neighbours.shape()[0] == clusters.shape()[0],
             op << ": expected neighbours [N, K_kd], clusters [N] and farthest clusters [N_c], got "
                << shape_str(neighbours.shape()) << ", " << shape_str(clusters.shape()) << " and "
                << shape_str(farthest_cluster.shape()));
  GuidedPairs pairs;
  pairs.neighbours = neighbours.to(Device::cpu).to(DType::i64).contiguous();
  pairs.clusters = clusters.to(Device::cpu).to(DType::i64).contiguous();
  pairs.farthest_cluster = farthest_cluster.to(Device::cpu).to(DType::i64).contiguous();
  const int64_t n = pairs.clusters.shape()[0], k = pairs.neighbours.shape()[1];
  const int64_t num_clusters = pairs.farthest_cluster.shape()[0];
  KDUP_CHECK(n >= 1 && k >= 1 && num_clusters >= 2,
             op << ": needs samples, neighbours and at least two clusters, got N = " << n
                << ", K_kd = " << k << ", N_c = " << num_clusters);
  const int64_t* nb = pairs.neighbours.data<int64_t>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < k; ++j)
      KDUP_CHECK(nb[i * k + j] >= 0 && nb[i * k + j] < n && nb[i * k + j] != i,
                 op << ": neighbour " << j << " of sample " << i << " is " << nb[i * k + j]
                    << ", not another sample of [0, " << n << ")");
  pairs.members.assign(num_clusters, {});
  const int64_t* c = pairs.clusters.data<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    KDUP_CHECK(c[i] >= 0 && c[i] < num_clusters,
               op << ": sample " << i << " is in cluster " << c[i] << ", outside [0, "
                  << num_clusters << ")");
    pairs.members[c[i]].push_back(i);
  }
  const int64_t* far = pairs.farthest_cluster.data<int64_t>();
  for (int64_t a = 0; a < num_clusters; ++a) {
    if (pairs.members[a].empty()) continue;  // no anchor ever asks for its farthest cluster
    KDUP_CHECK(far[a] >= 0 && far[a] < num_clusters && far[a] != a &&
                   !pairs.members[far[a]].empty(),
               op << ": the farthest cluster of cluster " << a << " is " << far[a]
                  << ", not another occupied cluster");
  }
  return pairs;
}

GuidedPairs build_guided_pairs(const Tensor& embeddings, const GuidedPairsConfig& config) {
  KDUP_CHECK(embeddings.defined() && embeddings.dim() == 2,
             "guided pairs: embeddings must be [N, D], got "
                 << (embeddings.defined() ? shape_str(embeddings.shape()) : "undefined"));
  const int64_t n = embeddings.shape()[0];
  KDUP_CHECK(config.neighbours >= 1 && config.neighbours < n,
             "stage2: K_kd = " << config.neighbours << " nearest neighbours need at least "
                               << config.neighbours + 1 << " in-domain images, got " << n);
  KDUP_CHECK(config.num_clusters >= 2 && config.num_clusters <= n,
             "stage2: " << config.num_clusters << " clusters need 2 <= N_c <= the " << n
                        << " in-domain images");
  KDUP_CHECK(config.clustering == "kl" || config.clustering == "kmeans",
             "stage2: unknown clustering '" << config.clustering << "' (kl or kmeans)");
  KDUP_CHECK(config.chunk_rows >= 1,
             "stage2: chunk_rows = " << config.chunk_rows << " must be >= 1");
  // No NoGradGuard here: the KL refinement runs its own SGD on the centroids.
  Tensor points = embeddings.detach();
  // Each sample's K_kd nearest neighbours by cosine, itself excluded.
  Neighbours nearest =
      nearest_neighbours(points, points, config.neighbours, true, config.chunk_rows);
  // The clustering of METHOD.md §1.2: k-means++ and Lloyd, then (kl) the KL refinement.
  KMeansConfig kmeans_config;
  kmeans_config.num_clusters = config.num_clusters;
  kmeans_config.max_iterations = config.kmeans_max_iterations;
  kmeans_config.seed = config.kmeans_seed;
  kmeans_config.chunk_rows = config.chunk_rows;
  KMeansResult clustered = kmeans(points, kmeans_config);
  Tensor centroids = clustered.centroids;
  std::vector<int64_t> assignments = std::move(clustered.assignments);
  if (config.clustering == "kl") {
    KlRefinementResult refined = refine_centroids_kl(points, centroids, config.kl);
    centroids = refined.centroids;
    assignments = std::move(refined.assignments);
  }
  std::vector<int64_t> sizes(config.num_clusters, 0);
  for (int64_t a : assignments) ++sizes[a];
  int64_t occupied = 0;
  for (int64_t s : sizes) occupied += s > 0;
  KDUP_CHECK(occupied >= 2, "stage2: the clustering put all " << n
                                << " images into one cluster, so no sample has a farthest cluster");
  std::vector<int64_t> farthest = farthest_clusters(centroids.to(Device::cpu), sizes);
  return make_guided_pairs(
      nearest.indices, Tensor::from_vector<int64_t>(assignments, {n}),
      Tensor::from_vector<int64_t>(farthest, {config.num_clusters}));
}

AnchorPairs draw_anchor_pairs(const GuidedPairs& pairs, const std::vector<int64_t>& anchors,
                              uint64_t seed, int64_t epoch) {
  const int64_t n = pairs.clusters.shape()[0], k = pairs.neighbours.shape()[1];
  const int64_t* nb = pairs.neighbours.data<int64_t>();
  const int64_t* cluster = pairs.clusters.data<int64_t>();
  const int64_t* far = pairs.farthest_cluster.data<int64_t>();
  AnchorPairs out;
  out.positives.reserve(anchors.size());
  out.negatives.reserve(anchors.size());
  for (int64_t a : anchors) {
    KDUP_CHECK(a >= 0 && a < n, "guided pairs: anchor " << a << " outside [0, " << n << ")");
    const Philox4 r =
        philox(seed, kPairStream + static_cast<uint64_t>(epoch), static_cast<uint64_t>(a));
    out.positives.push_back(nb[a * k + pick(r.v[0], k)]);
    const std::vector<int64_t>& candidates = pairs.members[far[cluster[a]]];
    out.negatives.push_back(candidates[pick(r.v[1], static_cast<int64_t>(candidates.size()))]);
  }
  return out;
}

}  // namespace kdup
