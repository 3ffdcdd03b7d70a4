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
  if (paths.limit_probe_train > 0 && paths.limit_probe_train < static_cast<int64_t>(d.probe_train_ids.size()))
    d.probe_train_ids.resize(paths.limit_probe_train);
  const int64_t test_n = static_cast<int64_t>(d.test.labels.size());
  const int64_t stride = paths.limit_test > 0 ? std::max<int64_t>(1, test_n / paths.limit_test) : 1;
  for (int64_t i = 0; i < test_n; i += stride) d.test_ids.push_back(i);
  d.pretrain_class_counts = class_counts(d.train.labels, d.pretrain_ids, d.train.num_classes);
  return d;
}

}  // namespace kdup
