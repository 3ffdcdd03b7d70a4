// The evaluation numbers of the paper's tables: per-class accuracy, Many/Medium/Few group means,
// STD of the three groups (population, ddof 0), All; and the Calinski–Harabasz and Davies–Bouldin
// indices of features under the true labels.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace kdup {

// Accuracy of each class in percent (a class with no test sample gets 0).
std::vector<double> per_class_accuracy(const std::vector<int64_t>& predictions,
                                       const std::vector<int64_t>& labels, int64_t num_classes);

enum class GroupRule {
  thirds,      // CIFAR: sort classes by training count; Few = C/3 rarest, Medium = next C/3
  thresholds,  // ImageNet-100-LT, Places-LT: Many > 100 images, Medium 20..100, Few < 20
};

// The rule's name in results.json ("thirds" or "thresholds"), and back (unknown names: thirds).
const char* group_rule_name(GroupRule rule);
GroupRule group_rule_named(const std::string& name);

struct GroupAccuracy {
  double many = 0, medium = 0, few = 0;
  double std = 0;  // population std of {many, medium, few}, percentage points
  double all = 0;  // mean per-class accuracy
  std::vector<int> group_of_class;  // 0 many, 1 medium, 2 few
};

// Splits classes by their count in the long-tailed training set and averages each group.
GroupAccuracy group_accuracy(const std::vector<double>& class_accuracy,
                             const std::vector<int64_t>& train_counts, GroupRule rule);

// Calinski–Harabasz: (trace(B) / (k - 1)) / (trace(W) / (n - k)); higher = better separated.
double calinski_harabasz(const Tensor& features, const std::vector<int64_t>& labels);
// Davies–Bouldin: mean over clusters of max_j (s_i + s_j) / |c_i - c_j|, s = mean distance to the
// centroid; lower = better separated.
double davies_bouldin(const Tensor& features, const std::vector<int64_t>& labels);

}  // namespace kdup
