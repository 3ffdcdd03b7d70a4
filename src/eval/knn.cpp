#include "eval/knn.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "autograd/grad_mode.h"
#include "ops/dispatch.h"
#include "ops/ops.h"

namespace kdup {

namespace {

// Rows of [rows, k + 1] neighbour lists without row i's own key `first_key + i`: the k others.
std::pair<Tensor, Tensor> drop_self(const Tensor& values, const Tensor& indices,
                                    int64_t first_key) {
  const int64_t rows = indices.shape()[0], k = indices.shape()[1] - 1;
  Tensor kept_values = Tensor::empty({rows, k}, values.dtype());
  Tensor kept_indices = Tensor::empty({rows, k}, DType::i64);
  dispatch_floating(values.dtype(), "drop_self", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* v = values.data<T>();
    const int64_t* i = indices.data<int64_t>();
    T* kv = kept_values.data<T>();
    int64_t* ki = kept_indices.data<int64_t>();
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t from = r * (k + 1), to = r * k, end = to + k; to < end; ++from) {
        if (i[from] == first_key + r) continue;
        kv[to] = v[from];
        ki[to++] = i[from];
      }
    }
  });
  return {kept_values, kept_indices};
}

}  // namespace

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
    // With exclude_self, one more is taken and each row's own key (row i of this chunk is key
    // start + i) dropped, or the last when the row itself did not make it.
    auto [values, idx] = topk(matmul(q.slice(0, start, end), key_t), exclude_self ? k + 1 : k, 1);
    values = values.to(Device::cpu);
    idx = idx.to(Device::cpu);
    if (exclude_self) std::tie(values, idx) = drop_self(values, idx, start);
    indices.push_back(idx);
    sims.push_back(values);
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
