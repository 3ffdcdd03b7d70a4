#include "data/long_tail.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "data/npy.h"
#include "tensor/philox.h"

namespace kdup {

std::vector<int64_t> long_tail_counts(int64_t n_max, int64_t num_classes, double imbalance_ratio) {
  KDUP_CHECK(num_classes >= 1 && n_max >= 1 && imbalance_ratio >= 1,
             "long_tail_counts: need n_max >= 1, classes >= 1 and an imbalance ratio >= 1");
  std::vector<int64_t> counts(num_classes);
  for (int64_t i = 0; i < num_classes; ++i) {
    const double exponent = num_classes == 1 ? 0.0 : static_cast<double>(i) / (num_classes - 1);
    counts[i] = static_cast<int64_t>(n_max * std::pow(1.0 / imbalance_ratio, exponent));
  }
  return counts;
}

// Fisher–Yates with Philox draws: reproducible from (seed, stream) on every platform.
static void seeded_shuffle(std::vector<int64_t>& v, uint64_t seed, uint64_t stream) {
  for (size_t i = v.size(); i > 1; --i) {
    const auto j = static_cast<size_t>(philox_uniform(seed, stream, i) * static_cast<double>(i));
    std::swap(v[i - 1], v[std::min(j, i - 1)]);
  }
}

std::vector<int64_t> make_long_tail_subset(const std::vector<int64_t>& labels,
                                           const std::vector<int64_t>& pool, int64_t num_classes,
                                           int64_t n_max, double imbalance_ratio, uint64_t seed) {
  std::vector<int64_t> counts = long_tail_counts(n_max, num_classes, imbalance_ratio);
  std::vector<int64_t> class_order(num_classes);
  std::iota(class_order.begin(), class_order.end(), 0);
  seeded_shuffle(class_order, seed, 0);

  std::vector<std::vector<int64_t>> by_class(num_classes);
  for (int64_t index : pool) {
    KDUP_CHECK(index >= 0 && index < static_cast<int64_t>(labels.size()),
               "make_long_tail_subset: pool index " << index << " out of range " << labels.size());
    by_class[labels[index]].push_back(index);
  }
  std::vector<int64_t> subset;
  for (int64_t rank = 0; rank < num_classes; ++rank) {
    const int64_t c = class_order[rank];
    std::vector<int64_t>& members = by_class[c];
    KDUP_CHECK(static_cast<int64_t>(members.size()) >= counts[rank],
               "make_long_tail_subset: class " << c << " has " << members.size()
                                               << " samples, the profile asks for " << counts[rank]);
    seeded_shuffle(members, seed, 1 + static_cast<uint64_t>(c));
    subset.insert(subset.end(), members.begin(), members.begin() + counts[rank]);
  }
  std::sort(subset.begin(), subset.end());
  return subset;
}

std::vector<int64_t> read_split_indices(const std::string& path, int64_t dataset_size) {
  std::vector<int64_t> indices = read_npy(path, DType::i64, {-1}).to_vector<int64_t>();
  for (size_t i = 0; i < indices.size(); ++i)
    KDUP_CHECK(indices[i] >= 0 && indices[i] < dataset_size,
               path << ": index " << indices[i] << " at position " << i
                    << " is out of range for a dataset of " << dataset_size << " images");
  return indices;
}

std::vector<int64_t> class_counts(const std::vector<int64_t>& labels,
                                  const std::vector<int64_t>& indices, int64_t num_classes) {
  std::vector<int64_t> counts(num_classes, 0);
  for (int64_t i : indices) ++counts[labels[i]];
  return counts;
}

}  // namespace kdup
