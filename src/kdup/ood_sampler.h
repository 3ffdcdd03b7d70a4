// Sampling the OOD subset D_s^OOD from the pool (METHOD.md §1 step 5), and the uniform "random OOD"
// baseline (METHOD.md §4 item 5).
#pragma once
#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace kdup {

struct OodSelection {
  Tensor indices;   // int64 [N_b] pool indices, grouped by cluster in processing order
  Tensor clusters;  // int64 [N_b] the cluster each pool item was taken for
};

// For each cluster k, the budgets[k] pool items most cosine-similar to the normalised centroid μ_k,
// never taking one item twice. Clusters are served in a fixed order, largest budget first (ties:
// lower cluster index), each skipping items an earlier cluster took; within a cluster items come
// nearest first. The pool is scored in chunks of `chunk` rows and only the best
// (budget + items taken before) candidates of each cluster are kept, so memory stays
// O(chunk·K + K·N_b) beyond the pool itself.
// pool: [P, D]; centroids: [K, D]; budgets: K non-negative counts with Σ budgets <= P.
OodSelection sample_ood_nearest_centroids(const Tensor& pool, const Tensor& centroids,
                                          const std::vector<int64_t>& budgets, int64_t chunk = 8192);

// `count` distinct pool indices drawn uniformly (Philox-seeded, the same on every platform), sorted
// ascending. Returns int64 [count].
Tensor sample_ood_random(int64_t pool_size, int64_t count, uint64_t seed);

}  // namespace kdup
