#include "data/experiment_data.h"

#include <map>

#include "data/image_list.h"
#include "data/loader.h"
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

namespace {

// The training images of the image lists: each distinct path once, in order of first mention, and
// each list as indices into them. A path listed twice with different labels is an error.
ExperimentData load_image_lists(const DataPaths& paths) {
  const std::pair<const char*, const std::string*> required[] = {
      {"data.pretrain_list", &paths.pretrain_list},
      {"data.probe_train_list", &paths.probe_train_list},
      {"data.test_list", &paths.test_list}};
  for (const auto& [key, value] : required)
    KDUP_CHECK(!value->empty(), key << ": required when data.dataset is image_list");
  std::vector<ImageListEntry> train_entries;
  std::map<std::string, int64_t> index_of;
  auto add_list = [&](const std::string& list) {
    std::vector<int64_t> ids;
    for (const ImageListEntry& e : parse_image_list(list, true)) {
      const auto [it, inserted] =
          index_of.emplace(e.path, static_cast<int64_t>(train_entries.size()));
      if (inserted) train_entries.push_back(e);
      const int64_t earlier = train_entries[it->second].label;
      KDUP_CHECK(earlier == e.label, list << ":" << e.line << ": '" << e.path << "' has label "
                                          << e.label << " here and " << earlier
                                          << " where it was listed first");
      ids.push_back(it->second);
    }
    return ids;
  };
  ExperimentData d;
  d.probe_train_ids = add_list(paths.probe_train_list);
  d.pretrain_ids = add_list(paths.pretrain_list);
  if (!paths.val_list.empty()) d.val_ids = add_list(paths.val_list);
  if (!paths.fewshot_list.empty()) d.fewshot_ids = add_list(paths.fewshot_list);
  d.train = decode_image_list(train_entries, paths.root, paths.image_size, "the training lists");
  d.test = read_image_list(paths.test_list, paths.root, paths.image_size);
  d.train.num_classes = d.test.num_classes = std::max(d.train.num_classes, d.test.num_classes);
  return d;
}

ExperimentData load_cifar(const DataPaths& paths) {
  const CifarVariant variant =
      paths.dataset == "cifar10" ? CifarVariant::cifar10 : CifarVariant::cifar100;
  ExperimentData d;
  d.train = read_cifar_folder(paths.root, variant, true);
  d.test = read_cifar_folder(paths.root, variant, false);
  const int64_t n = static_cast<int64_t>(d.train.labels.size());

  d.probe_train_ids = paths.probe_train_split.empty()
                          ? all_indices(n)
                          : read_split_indices(paths.probe_train_split, n);
  if (!paths.val_split.empty()) d.val_ids = read_split_indices(paths.val_split, n);
  if (paths.pretrain_split.empty()) {
    const int64_t per_class = static_cast<int64_t>(d.probe_train_ids.size()) / d.train.num_classes;
    d.pretrain_ids = make_long_tail_subset(d.train.labels, d.probe_train_ids, d.train.num_classes,
                                           per_class, paths.imbalance_ratio, paths.subset_seed);
  } else {
    d.pretrain_ids = read_split_indices(paths.pretrain_split, n);
  }
  if (!paths.fewshot_split.empty()) d.fewshot_ids = read_split_indices(paths.fewshot_split, n);
  return d;
}

}  // namespace

ExperimentData load_experiment_data(const DataPaths& paths) {
  const bool cifar = paths.dataset == "cifar10" || paths.dataset == "cifar100";
  KDUP_CHECK(cifar || paths.dataset == "image_list", "data.dataset: unknown dataset '"
                                                         << paths.dataset
                                                         << "' (cifar10, cifar100 or image_list)");
  ExperimentData d = cifar ? load_cifar(paths) : load_image_lists(paths);
  d.probe_train_ids = evenly_spaced(d.probe_train_ids, paths.limit_probe_train);
  d.test_ids =
      evenly_spaced(all_indices(static_cast<int64_t>(d.test.labels.size())), paths.limit_test);
  d.pretrain_class_counts = class_counts(d.train.labels, d.pretrain_ids, d.train.num_classes);
  return d;
}

}  // namespace kdup
