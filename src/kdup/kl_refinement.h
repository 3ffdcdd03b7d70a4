// KL refinement of k-means centroids (METHOD.md §1.2): SGD on the centroids mu alone, minimising
// L_cluster (kdup/kl_cluster_loss.h) over shuffled minibatches, with the target p recomputed from
// the current q at every step and held fixed within it. After every pass over the data the hard
// assignments (nearest centroid in L2) are recomputed; the refinement stops when the fraction of
// points whose assignment changed since the previous check falls below a threshold, or at a pass
// cap.
#pragma once
#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace kdup {

struct KlRefinementConfig {
  double learning_rate = 0.01;
  double momentum = 0.0;
  int64_t batch_size = 256;
  int64_t max_passes = 30;
  double stop_change_fraction = 0.001;  // stop once fewer than this fraction of assignments changed
  double degrees_of_freedom = 1.0;      // d of the Student-t kernel
  uint64_t seed = 0;                    // minibatch order
  int64_t chunk_rows = 4096;            // points per block of the whole-data passes
};

struct KlRefinementResult {
  Tensor centroids;                  // [K, D], the embeddings' dtype and device
  std::vector<int64_t> assignments;  // nearest refined centroid of every point
  int64_t passes = 0;                // passes over the data run
  double change_rate = 0;            // fraction of assignments changed by the last pass
  // Whole-data L_cluster (h over all N points). The refinement lowers the objective of its
  // steps, KL(p || q) with the target p held fixed: loss_after_initial_target (q from the refined
  // centroids, p from the initial ones) falls below loss_before. loss_after re-targets p at the
  // refined centroids; it can rise, since sharper q make sharper targets.
  double loss_before = 0;                // p and q from the initial centroids
  double loss_after_initial_target = 0;  // q from the refined centroids, p from the initial
  double loss_after = 0;                 // p and q from the refined centroids
  std::vector<int64_t> cluster_sizes;
};

// embeddings: floating [N, D]; initial_centroids [K, D] (e.g. from kmeans), cast to the embeddings'
// dtype and device.
KlRefinementResult refine_centroids_kl(const Tensor& embeddings, const Tensor& initial_centroids,
                                       const KlRefinementConfig& config = {});

}  // namespace kdup
