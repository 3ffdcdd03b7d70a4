// Planted Gaussian clusters and partition comparison, shared by the clustering tests.
#pragma once
#include <cstdint>
#include <map>
#include <vector>

#include "ops/ops.h"

namespace kdup::test {

struct PlantedClusters {
  Tensor points;                // float32 [k * per_cluster, dim]
  std::vector<int64_t> labels;  // the planted cluster of every point
};

// Point i belongs to cluster i % k, centred at `separation` along axis (cluster % dim), offset by
// (cluster / dim) * separation along axis 0 when k > dim; isotropic noise of standard deviation
// `spread`.
inline PlantedClusters planted_clusters(int64_t k, int64_t per_cluster, int64_t dim,
                                        double separation, double spread, uint64_t seed) {
  const int64_t n = k * per_cluster;
  std::vector<float> noise = Tensor::randn({n, dim}, seed).to_vector<float>();
  PlantedClusters out;
  std::vector<float> values(n * dim);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t c = i % k;
    out.labels.push_back(c);
    for (int64_t j = 0; j < dim; ++j) {
      double centre = (j == c % dim ? separation : 0.0) + (j == 0 ? separation * (c / dim) : 0.0);
      values[i * dim + j] = static_cast<float>(centre + spread * noise[i * dim + j]);
    }
  }
  out.points = Tensor::from_vector<float>(values, {n, dim});
  return out;
}

// True when a and b split the points into the same groups, whatever the group labels.
inline bool same_partition(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  if (a.size() != b.size()) return false;
  std::map<int64_t, int64_t> a_to_b, b_to_a;
  for (size_t i = 0; i < a.size(); ++i) {
    auto [ab, new_ab] = a_to_b.emplace(a[i], b[i]);
    auto [ba, new_ba] = b_to_a.emplace(b[i], a[i]);
    if (ab->second != b[i] || ba->second != a[i]) return false;
    (void)new_ab;
    (void)new_ba;
  }
  return true;
}

}  // namespace kdup::test
