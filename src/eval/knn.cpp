#include "eval/knn.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "autograd/grad_mode.h"
#include "ops/ops.h"

namespace kdup {

Neighbours nearest_neighbours(const Tensor& queries, const Tensor& keys, int64_t k,
                              bool exclude_self, int64_t chunk) {
  KDUP_CHECK(queries.dim() == 2 && keys.dim() == 2 && queries.shape()[1] == keys.shape()[1],
             "nearest_neighbours: queries " << shape_str(queries.shape()) << " and keys "
                                            << shape_str(keys.shape()) << " must be [N, D]");
  const int64_t available = keys.shape()[0] - (exclude_self ? 1 : 0);
  KDUP_CHECK(k >= 1 && k <= available, "nearest_neighbours: K = " << k << " but only " << available
                                                                    << " candidates exist");
  KDUP_CHECK(!exclude_self || queries.shape()[0] == keys.shape()[0],
             "nearest_neighbours: exclude_self needs queries and keys to be the same set");
  NoGradGuard no_grad;
  Tensor q = l2_normalize(queries, 1), key_t = l2_normalize(keys, 1).t();
  std::vector<Tensor> indices, sims;
  for (int64_t start = 0; start < q.shape()[0]; start += chunk) {
    const int64_t end = std::min(q.shape()[0], start + chunk);
    Tensor s = matmul(q.slice(0, start, end), key_t);
    if (exclude_self) {  // row i of this chunk is key start + i: never its own neighbour
      const int64_t rows = end - start, n = keys.shape()[0];
      Tensor self = Tensor::zeros({rows, n}, DType::u8);
      for (int64_t i = 0; i < rows; ++i) self.data<uint8_t>()[i * n + start + i] = 1;
      s = masked_fill(s, self.to(s.device()), -std::numeric_limits<double>::infinity());
    }
    auto [values, idx] = topk(s, k, 1, true);
    indices.push_back(idx.to(Device::cpu));
    sims.push_back(values.to(Device::cpu));
  }
  return {concat(indices, 0), concat(sims, 0)};
}

std::vector<int64_t> knn_predict(const Tensor& train_features, const std::vector<int64_t>& train_labels,
                                 const Tensor& query_features, int64_t num_classes, int64_t k,
                                 double temperature) {
  KDUP_CHECK(static_cast<int64_t>(train_labels.size()) == train_features.shape()[0],
             "knn_predict: " << train_labels.size() << " labels for features "
                             << shape_str(train_features.shape()));
  k = std::min<int64_t>(k, train_features.shape()[0]);
  Neighbours nn = nearest_neighbours(query_features, train_features, k, false);
  std::vector<int64_t> idx = nn.indices.to_vector<int64_t>();
  std::vector<double> sim = nn.similarities.to_vector<double>();
  const int64_t queries = query_features.shape()[0];
  std::vector<int64_t> predictions(queries);
  for (int64_t q = 0; q < queries; ++q) {
    std::vector<double> votes(num_classes, 0.0);
    for (int64_t j = 0; j < k; ++j)
      votes[train_labels[idx[q * k + j]]] += std::exp(sim[q * k + j] / temperature);
    predictions[q] = std::max_element(votes.begin(), votes.end()) - votes.begin();
  }
  return predictions;
}

}  // namespace kdup
