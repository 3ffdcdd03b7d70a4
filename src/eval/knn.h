// Nearest neighbours by cosine similarity, computed in chunks: the weighted k-NN classifier used as
// a quick monitor of representation quality (Wu et al., 2018), and plain neighbour lists.
#pragma once
#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace kdup {

// For each query row, the k most cosine-similar rows of `keys` (most similar first). When
// exclude_self is set, queries and keys are the same set and row i never lists itself.
// Returns int64 [Q, k] indices and float [Q, k] similarities, on the CPU.
struct Neighbours {
  Tensor indices;
  Tensor similarities;
};
Neighbours nearest_neighbours(const Tensor& queries, const Tensor& keys, int64_t k,
                              bool exclude_self, int64_t chunk = 1024);

// Weighted k-NN: each of the k nearest training features votes for its class with weight
// exp(cos / temperature). Returns the predicted class of every query.
std::vector<int64_t> knn_predict(const Tensor& train_features, const std::vector<int64_t>& train_labels,
                                 const Tensor& query_features, int64_t num_classes, int64_t k = 200,
                                 double temperature = 0.1);

}  // namespace kdup
