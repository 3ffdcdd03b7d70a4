#include "kdup/positive_lists.h"

#include <vector>

#include "eval/knn.h"

namespace kdup {

namespace {

Tensor neighbours_within(const Tensor& embeddings, int64_t k_pos, int64_t chunk, const char* domain) {
  KDUP_CHECK(embeddings.dim() == 2, "positive_lists: " << domain << " embeddings must be [N, D], got "
                                                       << shape_str(embeddings.shape()));
  KDUP_CHECK(embeddings.shape()[0] > k_pos, "positive_lists: K_pos = " << k_pos << " needs at least " << k_pos + 1
                                                                      << " " << domain << " rows, got "
                                                                      << embeddings.shape()[0]);
  return nearest_neighbours(embeddings, embeddings, k_pos, true, chunk).indices;
}

}  // namespace

Tensor positive_lists(const Tensor& id_embeddings, const Tensor& ood_embeddings, int64_t k_pos,
                      int64_t chunk) {
  KDUP_CHECK(k_pos >= 1, "positive_lists: K_pos must be positive, got " << k_pos);
  Tensor id_lists = neighbours_within(id_embeddings, k_pos, chunk, "ID");
  if (!ood_embeddings.defined() || ood_embeddings.numel() == 0) return id_lists;
  KDUP_CHECK(ood_embeddings.dim() == 2 && ood_embeddings.shape()[1] == id_embeddings.shape()[1],
             "positive_lists: OOD embeddings " << shape_str(ood_embeddings.shape())
                                               << " must have the ID embeddings' width " << id_embeddings.shape()[1]);
  Tensor ood_lists = neighbours_within(ood_embeddings, k_pos, chunk, "OOD");
  // Merged-set positions: ID rows first, so OOD row j sits at N_id + j.
  std::vector<int64_t> merged = id_lists.to_vector<int64_t>();
  const int64_t id_rows = id_embeddings.shape()[0];
  for (int64_t j : ood_lists.to_vector<int64_t>()) merged.push_back(id_rows + j);
  return Tensor::from_vector(merged, {id_rows + ood_embeddings.shape()[0], k_pos});
}

}  // namespace kdup
