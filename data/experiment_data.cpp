#include "data/experiment_data.h"

#include "data/long_tail.h"

namespace kdup {

std::vector<int64_t> ExperimentData::labels_of(const std::vector<int64_t>& ids, bool from_test) const {
  const std::vector<int64_t>& labels = from_test ? test.labels : train.labels;
  std::vector<int64_t> out;
  out.reserve(ids.size());
  for (int64_t i : ids) out.push_back(labels[i]);
  return out;
}

// Every k-th element so that at most `limit` remain (limit 0: all): a class-balanced list stays
// balanced, and the CIFAR test set (stored class by class) keeps every class.
static std::vector<int64_t> evenly_spaced(const std::vector<int64_t>& ids, int64_t limit) {
  const int64_t n = static_cast<int64_t>(ids.size());
  if (limit <= 0 || limit >= n) return ids;
  std::vector<int64_t> out;
  for (int64_t k = 0; k < limit; ++k) out.push_back(ids[k * n / limit]);
  return out;
}

ExperimentData load_experiment_data(const DataPaths& paths) {
  KDUP_CHECK(paths.dataset == "cifar10" || paths.dataset == "cifar100",
             "data.dataset: unknown dataset '" << paths.dataset << "' (cifar10 or cifar100)");
  const CifarVariant variant =
      paths.dataset == "cifar10" ? CifarVariant::cifar10 : CifarVariant::cifar100;
  ExperimentData d;
  d.train = read_cifar_folder(paths.root, variant, true);
  d.test = read_cifar_folder(paths.root, variant, false);
  const int64_t n = static_cast<int64_t>(d.train.labels.size());

  std::vector<int64_t> all(n);
  for (int64_t i = 0; i < n; ++i) all[i] = i;
  d.probe_train_ids = paths.probe_train_split.empty() ? all : read_split_indices(paths.probe_train_split, n);
  if (!paths.val_split.empty()) d.val_ids = read_split_indices(paths.val_split, n);
  if (paths.pretrain_split.empty()) {
    const int64_t per_class = static_cast<int64_t>(d.probe_train_ids.size()) / d.train.num_classes;
    d.pretrain_ids = make_long_tail_subset(d.train.labels, d.probe_train_ids, d.train.num_classes,
                                           per_class, paths.imbalance_ratio, paths.subset_seed);
  } else {
    d.pretrain_ids = read_split_indices(paths.pretrain_split, n);
  }
  if (!paths.fewshot_split.empty()) d.fewshot_ids = read_split_indices(paths.fewshot_split, n);
  d.probe_train_ids = evenly_spaced(d.probe_train_ids, paths.limit_probe_train);
  std::vector<int64_t> test_all(d.test.labels.size());
  for (size_t i = 0; i < test_all.size(); ++i) test_all[i] = static_cast<int64_t>(i);
  d.test_ids = evenly_spaced(test_all, paths.limit_test);
  d.pretrain_class_counts = class_counts(d.train.labels, d.pretrain_ids, d.train.num_classes);
  return d;
}

}  // namespace kdup
