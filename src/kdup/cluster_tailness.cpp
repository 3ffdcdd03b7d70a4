#include "kdup/cluster_tailness.h"

#include <cmath>

namespace kdup {

std::vector<double> cluster_mean_tailness(const Tensor& sample_tailness, const Tensor& assignments,
                                          int64_t num_clusters) {
  KDUP_CHECK(sample_tailness.dim() == 1 && assignments.dim() == 1 &&
                 sample_tailness.numel() == assignments.numel(),
             "cluster_mean_tailness: tailness " << shape_str(sample_tailness.shape()) << " and assignments "
                                                << shape_str(assignments.shape()) << " must both be [N]");
  KDUP_CHECK(num_clusters >= 1, "cluster_mean_tailness: need at least one cluster, got " << num_clusters);
  const std::vector<double> s = sample_tailness.to_vector<double>();
  const std::vector<int64_t> a = assignments.to_vector<int64_t>();
  std::vector<double> sum(num_clusters, 0.0);
  std::vector<int64_t> count(num_clusters, 0);
  for (size_t i = 0; i < s.size(); ++i) {
    KDUP_CHECK(a[i] >= 0 && a[i] < num_clusters, "cluster_mean_tailness: sample " << i << " is assigned to cluster "
                                                                                  << a[i] << ", outside [0, "
                                                                                  << num_clusters << ")");
    sum[a[i]] += s[i];
    ++count[a[i]];
  }
  std::vector<double> means(num_clusters, 0.0);
  double filled_sum = 0.0;
  int64_t filled = 0;
  for (int64_t k = 0; k < num_clusters; ++k)
    if (count[k] > 0) {
      means[k] = sum[k] / static_cast<double>(count[k]);
      filled_sum += means[k];
      ++filled;
    }
  KDUP_CHECK(filled > 0, "cluster_mean_tailness: every cluster is empty (no samples)");
  for (int64_t k = 0; k < num_clusters; ++k)
    if (count[k] == 0) means[k] = filled_sum / static_cast<double>(filled);
  return means;
}

std::vector<double> zscore(const std::vector<double>& values) {
  const size_t n = values.size();
  std::vector<double> z(n, 0.0);
  if (n < 2) return z;
  double mean = 0.0;
  for (double v : values) mean += v;
  mean /= static_cast<double>(n);
  double squares = 0.0;
  for (double v : values) squares += (v - mean) * (v - mean);
  const double std_dev = std::sqrt(squares / static_cast<double>(n - 1));
  if (!(std_dev > 0.0)) return z;
  for (size_t k = 0; k < n; ++k) z[k] = (values[k] - mean) / std_dev;
  return z;
}

}  // namespace kdup
