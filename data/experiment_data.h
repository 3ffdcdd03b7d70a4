// Everything one experiment reads: the images, the long-tailed pre-training subset D_i, the
// evaluation lists (balanced probe training list, validation list, 1% few-shot list) and the test
// set. CIFAR-LT comes as the binary files plus .npy index files; ImageNet-100-LT and Places-LT as
// image lists (`path label` lines), whose union forms the training images.
#pragma once
#include <string>
#include <vector>

#include "data/cifar.h"

namespace kdup {

struct DataPaths {
  std::string dataset = "cifar10";  // cifar10 | cifar100 | image_list
  std::string root;                 // folder with the binary files, or the images of the lists
  // cifar10 / cifar100: .npy indices into the training files.
  std::string pretrain_split;       // .npy indices of D_i (empty: generate a long-tail subset)
  std::string probe_train_split;    // .npy, e.g. trainIdxList.npy
  std::string val_split;            // .npy, e.g. valIdxList.npy
  std::string fewshot_split;        // .npy, e.g. split1_S_b.npy (empty: skip few-shot)
  double imbalance_ratio = 100;     // for a generated D_i
  uint64_t subset_seed = 0;         // for a generated D_i
  int64_t limit_probe_train = 0;    // keep an evenly spaced N of the probe list (0: all)
  int64_t limit_test = 0;           // keep an evenly spaced N of the test set (0: all)
  // image_list: the lists (val and few-shot may be empty) and the stored image side.
  std::string pretrain_list, probe_train_list, val_list, fewshot_list, test_list;
  int64_t image_size = 224;
};

struct ExperimentData {
  ImageSet train, test;
  std::vector<int64_t> pretrain_ids, probe_train_ids, val_ids, fewshot_ids;
  std::vector<int64_t> test_ids;
  std::vector<int64_t> pretrain_class_counts;  // defines Many/Medium/Few
  std::vector<int64_t> labels_of(const std::vector<int64_t>& ids, bool test) const;
};

// Loads and checks everything, with errors naming the file at fault.
ExperimentData load_experiment_data(const DataPaths& paths);

}  // namespace kdup
