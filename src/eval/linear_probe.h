// The linear evaluation protocol (METHOD.md §5): a linear classifier on frozen features, trained with
// SGD and a multi-step schedule, the epoch chosen by validation accuracy, reported on the test set.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "tensor/tensor.h"

namespace kdup {

struct ProbeConfig {
  int64_t epochs = 30;
  double lr = 30.0;
  double momentum = 0.9;
  double weight_decay = 0.0;
  int64_t batch_size = 128;
  std::vector<int64_t> milestones{10, 20};  // epochs where the lr is multiplied by gamma
  double gamma = 0.1;
  uint64_t seed = 0;
};

struct LabelledFeatures {
  Tensor features;  // float32 [N, D], CPU
  std::vector<int64_t> labels;
};

struct ProbeResult {
  int64_t best_epoch = 0;            // 1-based epoch with the best validation accuracy
  double best_val_accuracy = 0;      // percent, mean over samples
  std::vector<int64_t> test_predictions;  // of the best epoch's classifier
  std::vector<double> val_accuracy_per_epoch;
};

// Training features per epoch: the same tensor every epoch (cached features), or a fresh augmented
// pass (the full protocol). Labels stay those of `train`.
using EpochFeatures = std::function<Tensor(int64_t epoch)>;

// Trains a fresh linear layer (weights N(0, 0.01), bias 0) on `train`, evaluates on `val` after every
// epoch, and predicts `test` with the best epoch's weights.
ProbeResult train_linear_probe(const EpochFeatures& train_features,
                               const std::vector<int64_t>& train_labels,
                               const LabelledFeatures& val, const Tensor& test_features,
                               int64_t num_classes, const ProbeConfig& config);

}  // namespace kdup
