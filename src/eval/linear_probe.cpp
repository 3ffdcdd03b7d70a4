#include "eval/linear_probe.h"

#include <algorithm>

#include "autograd/grad_mode.h"
#include "data/loader.h"
#include "nn/lr_schedule.h"
#include "nn/sgd.h"
#include "ops/ops.h"

namespace kdup {

namespace {

std::vector<int64_t> predict(const Tensor& features, const Tensor& weight, const Tensor& bias) {
  NoGradGuard no_grad;
  return max_with_indices(linear(features, weight, bias), 1).second.to_vector<int64_t>();
}

double accuracy(const std::vector<int64_t>& predictions, const std::vector<int64_t>& labels) {
  int64_t correct = 0;
  for (size_t i = 0; i < labels.size(); ++i) correct += predictions[i] == labels[i];
  return labels.empty() ? 0.0 : 100.0 * correct / static_cast<double>(labels.size());
}

}  // namespace

ProbeResult train_linear_probe(const EpochFeatures& train_features,
                               const std::vector<int64_t>& train_labels,
                               const LabelledFeatures& val, const Tensor& test_features,
                               int64_t num_classes, const ProbeConfig& config) {
  const Tensor first = train_features(0);
  KDUP_CHECK(first.dim() == 2 && first.shape()[0] == static_cast<int64_t>(train_labels.size()),
             "linear probe: " << train_labels.size() << " labels for features "
                              << shape_str(first.shape()));
  const int64_t n = first.shape()[0], dim = first.shape()[1];
  Tensor weight, bias;
  {
    NoGradGuard no_grad;
    weight = Tensor::randn({num_classes, dim}, config.seed, first.dtype(), first.device()) * 0.01;
    bias = Tensor::zeros({num_classes}, first.dtype(), first.device());
  }
  weight.set_requires_grad(true);
  bias.set_requires_grad(true);
  SGD sgd({{{weight, bias}, config.weight_decay}}, config.lr, config.momentum);
  MultiStepSchedule schedule(config.lr, config.milestones, config.gamma);
  Tensor labels_all = Tensor::from_vector(train_labels, {n});

  ProbeResult result;
  result.best_val_accuracy = -1;
  Tensor best_weight, best_bias;
  for (int64_t epoch = 0; epoch < config.epochs; ++epoch) {
    sgd.set_lr(schedule.lr_at(epoch));
    const Tensor features = epoch == 0 ? first : train_features(epoch);
    const std::vector<int64_t> order = epoch_permutation(n, config.seed, epoch);
    for (int64_t start = 0; start < n; start += config.batch_size) {
      const int64_t end = std::min(n, start + config.batch_size);
      Tensor idx = Tensor::from_vector(std::vector<int64_t>(order.begin() + start, order.begin() + end),
                                       {end - start}, features.device());
      sgd.zero_grad();
      Tensor loss = cross_entropy(linear(index_select(features, idx), weight, bias),
                                  index_select(labels_all, idx));
      loss.backward();
      sgd.step();
    }
    const double val_acc = accuracy(predict(val.features, weight, bias), val.labels);
    result.val_accuracy_per_epoch.push_back(val_acc);
    if (val_acc > result.best_val_accuracy) {
      result.best_val_accuracy = val_acc;
      result.best_epoch = epoch + 1;
      best_weight = weight.detach().clone();
      best_bias = bias.detach().clone();
    }
  }
  result.test_predictions = predict(test_features, best_weight, best_bias);
  return result;
}

}  // namespace kdup
