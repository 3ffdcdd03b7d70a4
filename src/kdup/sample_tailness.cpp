#include "kdup/sample_tailness.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "eval/knn.h"

namespace kdup {

namespace {

// Row-normalised float copy of x on the host (zero rows stay zero).
std::vector<float> normalised_rows(const Tensor& x) {
  const int64_t n = x.shape()[0], d = x.shape()[1];
  std::vector<float> rows = x.to_vector<float>();
  for (int64_t i = 0; i < n; ++i) {
    float* row = rows.data() + i * d;
    double norm = 0.0;
    for (int64_t j = 0; j < d; ++j) norm += static_cast<double>(row[j]) * row[j];
    const double scale = 1.0 / std::max(std::sqrt(norm), 1e-12);
    for (int64_t j = 0; j < d; ++j) row[j] = static_cast<float>(row[j] * scale);
  }
  return rows;
}

double dot(const float* a, const float* b, int64_t d) {
  double s = 0.0;
  for (int64_t j = 0; j < d; ++j) s += static_cast<double>(a[j]) * b[j];
  return s;
}

}  // namespace

Tensor sample_tailness(const Tensor& embeddings, int64_t k, int64_t chunk) {
  KDUP_CHECK(embeddings.dim() == 2, "sample_tailness: embeddings must be [N, D], got "
                                        << shape_str(embeddings.shape()));
  const int64_t n = embeddings.shape()[0], d = embeddings.shape()[1];
  KDUP_CHECK(k >= 1 && k < n, "sample_tailness: K = " << k << " neighbours need at least " << k + 1
                                                       << " samples, got " << n);
  Tensor neighbours = nearest_neighbours(embeddings, embeddings, k, true, chunk).indices;
  const std::vector<int64_t> idx = neighbours.to_vector<int64_t>();
  const std::vector<float> z = normalised_rows(embeddings.to(Device::cpu));

  std::vector<float> tailness(n);
  const double ordered_pairs = static_cast<double>(k) * static_cast<double>(k + 1);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    std::vector<int64_t> members(k + 1);
    members[0] = i;
    for (int64_t j = 0; j < k; ++j) members[j + 1] = idx[i * k + j];
    double pair_sum = 0.0;  // over unordered pairs; exp(cos) is symmetric, so ordered = 2x
    for (int64_t m = 0; m <= k; ++m)
      for (int64_t q = m + 1; q <= k; ++q)
        pair_sum += std::exp(dot(z.data() + members[m] * d, z.data() + members[q] * d, d));
    tailness[i] = static_cast<float>(-2.0 * pair_sum / ordered_pairs);
  }
  return Tensor::from_vector(tailness, {n});
}

}  // namespace kdup
