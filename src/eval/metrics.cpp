#include "eval/metrics.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

namespace kdup {

std::vector<double> per_class_accuracy(const std::vector<int64_t>& predictions,
                                       const std::vector<int64_t>& labels, int64_t num_classes) {
  KDUP_CHECK(predictions.size() == labels.size(), "per_class_accuracy: " << predictions.size()
                                                      << " predictions for " << labels.size()
                                                      << " labels");
  std::vector<int64_t> correct(num_classes, 0), total(num_classes, 0);
  for (size_t i = 0; i < labels.size(); ++i) {
    KDUP_CHECK(labels[i] >= 0 && labels[i] < num_classes,
               "per_class_accuracy: label " << labels[i] << " out of range " << num_classes);
    ++total[labels[i]];
    correct[labels[i]] += predictions[i] == labels[i];
  }
  std::vector<double> accuracy(num_classes, 0.0);
  for (int64_t c = 0; c < num_classes; ++c)
    if (total[c]) accuracy[c] = 100.0 * correct[c] / total[c];
  return accuracy;
}

const char* group_rule_name(GroupRule rule) {
  return rule == GroupRule::thresholds ? "thresholds" : "thirds";
}

GroupRule group_rule_named(const std::string& name) {
  return name == group_rule_name(GroupRule::thresholds) ? GroupRule::thresholds : GroupRule::thirds;
}

GroupAccuracy group_accuracy(const std::vector<double>& class_accuracy,
                             const std::vector<int64_t>& train_counts, GroupRule rule) {
  const int64_t c = static_cast<int64_t>(class_accuracy.size());
  KDUP_CHECK(static_cast<int64_t>(train_counts.size()) == c && c >= 3,
             "group_accuracy: " << c << " class accuracies and " << train_counts.size()
                                << " class counts (need the same number, at least 3)");
  GroupAccuracy g;
  g.group_of_class.assign(c, 0);
  if (rule == GroupRule::thirds) {
    std::vector<int64_t> order(c);  // rarest first; ties keep class order
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t b) { return train_counts[a] < train_counts[b]; });
    for (int64_t r = 0; r < c; ++r) g.group_of_class[order[r]] = r < c / 3 ? 2 : (r < 2 * (c / 3) ? 1 : 0);
  } else {
    for (int64_t k = 0; k < c; ++k)
      g.group_of_class[k] = train_counts[k] > 100 ? 0 : (train_counts[k] >= 20 ? 1 : 2);
  }
  double sums[3] = {0, 0, 0};
  int64_t sizes[3] = {0, 0, 0};
  for (int64_t k = 0; k < c; ++k) {
    sums[g.group_of_class[k]] += class_accuracy[k];
    ++sizes[g.group_of_class[k]];
  }
  double means[3];
  for (int i = 0; i < 3; ++i) means[i] = sizes[i] ? sums[i] / sizes[i] : 0.0;
  g.many = means[0];
  g.medium = means[1];
  g.few = means[2];
  const double mean3 = (means[0] + means[1] + means[2]) / 3;
  double var = 0;
  for (double m : means) var += (m - mean3) * (m - mean3);
  g.std = std::sqrt(var / 3);  // ddof 0
  g.all = std::accumulate(class_accuracy.begin(), class_accuracy.end(), 0.0) / c;
  return g;
}

namespace {

struct Clusters {
  std::vector<std::vector<double>> centroid;
  std::vector<int64_t> size;
  std::vector<int64_t> cluster_of;  // dense cluster id of each row
  std::vector<double> x;            // row-major features
  int64_t n = 0, d = 0;
};

Clusters clusters_of(const char* op, const Tensor& features, const std::vector<int64_t>& labels) {
  KDUP_CHECK(features.dim() == 2 && features.shape()[0] == static_cast<int64_t>(labels.size()),
             op << ": features " << shape_str(features.shape()) << " for " << labels.size()
                << " labels");
  Clusters cl;
  cl.n = features.shape()[0];
  cl.d = features.shape()[1];
  cl.x = features.to_vector<double>();
  std::map<int64_t, int64_t> id;
  for (int64_t l : labels) id.emplace(l, static_cast<int64_t>(id.size()));
  KDUP_CHECK(id.size() >= 2, op << ": needs at least two distinct labels");
  const size_t k = id.size();
  cl.centroid.assign(k, std::vector<double>(cl.d, 0.0));
  cl.size.assign(k, 0);
  for (int64_t i = 0; i < cl.n; ++i) {
    const int64_t c = id[labels[i]];
    cl.cluster_of.push_back(c);
    ++cl.size[c];
    for (int64_t j = 0; j < cl.d; ++j) cl.centroid[c][j] += cl.x[i * cl.d + j];
  }
  for (size_t c = 0; c < k; ++c)
    for (double& v : cl.centroid[c]) v /= cl.size[c];
  return cl;
}

double squared_distance(const double* a, const double* b, int64_t d) {
  double s = 0;
  for (int64_t j = 0; j < d; ++j) s += (a[j] - b[j]) * (a[j] - b[j]);
  return s;
}

}  // namespace

double calinski_harabasz(const Tensor& features, const std::vector<int64_t>& labels) {
  Clusters cl = clusters_of("calinski_harabasz", features, labels);
  const int64_t k = static_cast<int64_t>(cl.size.size());
  KDUP_CHECK(cl.n > k, "calinski_harabasz: needs more samples than clusters");
  std::vector<double> overall(cl.d, 0.0);
  for (int64_t i = 0; i < cl.n; ++i)
    for (int64_t j = 0; j < cl.d; ++j) overall[j] += cl.x[i * cl.d + j] / cl.n;
  double between = 0, within = 0;
  for (int64_t c = 0; c < k; ++c)
    between += cl.size[c] * squared_distance(cl.centroid[c].data(), overall.data(), cl.d);
  for (int64_t i = 0; i < cl.n; ++i)
    within += squared_distance(&cl.x[i * cl.d], cl.centroid[cl.cluster_of[i]].data(), cl.d);
  if (within == 0) return 1.0;  // sklearn's convention for perfectly tight clusters
  return (between / (k - 1)) / (within / (cl.n - k));
}

double davies_bouldin(const Tensor& features, const std::vector<int64_t>& labels) {
  Clusters cl = clusters_of("davies_bouldin", features, labels);
  const int64_t k = static_cast<int64_t>(cl.size.size());
  std::vector<double> scatter(k, 0.0);  // mean distance of members to their centroid
  for (int64_t i = 0; i < cl.n; ++i) {
    const int64_t c = cl.cluster_of[i];
    scatter[c] += std::sqrt(squared_distance(&cl.x[i * cl.d], cl.centroid[c].data(), cl.d));
  }
  for (int64_t c = 0; c < k; ++c) scatter[c] /= cl.size[c];
  double total = 0;
  for (int64_t a = 0; a < k; ++a) {
    double worst = 0;
    for (int64_t b = 0; b < k; ++b) {
      if (a == b) continue;
      const double separation =
          std::sqrt(squared_distance(cl.centroid[a].data(), cl.centroid[b].data(), cl.d));
      worst = std::max(worst, separation > 0 ? (scatter[a] + scatter[b]) / separation : 0.0);
    }
    total += worst;
  }
  return total / k;
}

}  // namespace kdup
