// Positive and negative selection for KDUP stage 2 (METHOD.md §2; paper §3.2). Computed once from
// the frozen network f's embeddings of D_ID: each sample's K_kd nearest neighbours by cosine, a
// clustering (k-means, optionally refined by the KL method of METHOD.md §1.2) and, for every
// cluster, the cluster whose centroid lies farthest from its own. Per anchor x_i of a minibatch the
// positive is a random one of i's K_kd neighbours and the negative a random member of the cluster
// farthest from i's cluster.
//
// Samples are addressed by their position 0..N-1 in D_ID (the order of the embeddings), not by
// image id.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "kdup/kl_refinement.h"
#include "tensor/tensor.h"

namespace kdup {

struct GuidedPairsConfig {
  int64_t neighbours = 5;     // K_kd
  int64_t num_clusters = 10;  // N_c [choice, as §1.2]
  std::string clustering = "kl";  // kl (k-means, then KL refinement) | kmeans
  int64_t kmeans_max_iterations = 300;
  uint64_t kmeans_seed = 0;  // k-means++ seeding
  KlRefinementConfig kl;     // used when clustering == "kl" (its own seed orders the minibatches)
  int64_t chunk_rows = 1024;  // rows per block of the neighbour search and distance passes
};

// The selection state: everything a resumed run needs to draw the same pairs.
struct GuidedPairs {
  Tensor neighbours;        // int64 [N, K_kd] positions, most similar first, never the row itself
  Tensor clusters;          // int64 [N] cluster of every sample, in [0, N_c)
  Tensor farthest_cluster;  // int64 [N_c] the cluster whose centroid is farthest from each one's
  std::vector<std::vector<int64_t>> members;  // per cluster, its positions in ascending order
};

// Validates the three tensors (shapes, index ranges, a non-empty farthest cluster for every
// occupied cluster) and derives the member lists. Used for freshly built and restored state alike.
GuidedPairs make_guided_pairs(Tensor neighbours, Tensor clusters, Tensor farthest_cluster);

// Builds the pairs state from embeddings [N, D] (float, any device). Errors when K_kd >= N (a
// sample has only N - 1 others), when N_c > N or N_c < 2, or when the clustering leaves fewer than
// two occupied clusters.
GuidedPairs build_guided_pairs(const Tensor& embeddings, const GuidedPairsConfig& config);

// The positive and negative (positions) of every anchor position. Draw d of anchor a in epoch e
// comes from Philox keyed by (seed, stream e, counter a): the choice depends on neither the batch
// nor the order, so a resumed run draws the same pairs.
struct AnchorPairs {
  std::vector<int64_t> positives;
  std::vector<int64_t> negatives;
};
AnchorPairs draw_anchor_pairs(const GuidedPairs& pairs, const std::vector<int64_t>& anchors,
                              uint64_t seed, int64_t epoch);

}  // namespace kdup
