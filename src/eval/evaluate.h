// The evaluation protocol of METHOD.md §5 on a trained encoder: linear probe on the balanced
// training list, 1% few-shot probe, weighted k-NN, per-class accuracies grouped Many/Medium/Few by
// the long-tailed training counts, and the CHI/DBI cluster indices of the test features.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "data/experiment_data.h"
#include "eval/embed.h"
#include "eval/linear_probe.h"
#include "eval/metrics.h"

namespace kdup {

struct EvalConfig {
  bool linear = true;
  bool fewshot = true;
  // Features computed once without augmentation (fast, for CPU runs); otherwise the probe's
  // training features are re-computed every epoch with RandomCrop + flip, as in the protocol.
  bool cached_features = false;
  ProbeConfig probe{30, 30.0, 0.9, 0.0, 128, {10, 20}, 0.1, 0};
  ProbeConfig fewshot_probe{100, 30.0, 0.9, 0.0, 128, {40, 60}, 0.1, 0};
  int64_t knn_k = 200;
  int64_t batch_size = 256;
  Device device = Device::cpu;
  AugmentViews views = cifar_views();    // the probe's training view and the plain view
  GroupRule groups = GroupRule::thirds;  // Many/Medium/Few: CIFAR's thirds or the count thresholds
};

struct ProbeSummary {
  bool ran = false;
  bool cached_features = false;
  int64_t best_epoch = 0;
  double val_accuracy = 0;
  std::vector<double> per_class;  // test accuracy per class, percent
  GroupAccuracy groups;
};

struct EvaluationResult {
  ProbeSummary linear, fewshot;
  double knn_accuracy = 0;  // mean per-class test accuracy of weighted k-NN on D_i features
  double calinski_harabasz = 0, davies_bouldin = 0;
  GroupRule groups = GroupRule::thirds;  // how Many/Medium/Few were formed
  std::vector<int64_t> train_counts;
  Tensor test_features;  // float32 [test_ids.size(), D], CPU: reused for the t-SNE map
};

// Reports progress as (stage, done, total) so a caller can show a status line.
using EvalProgress = std::function<void(const std::string& stage, int64_t done, int64_t total)>;

EvaluationResult evaluate_encoder(const Encoder& encoder, const ExperimentData& data,
                                  const EvalConfig& config, const EvalProgress& progress = nullptr);

// Weighted k-NN accuracy (mean per class, percent) of test images against D_i: a quick monitor.
double knn_monitor(const Encoder& encoder, const ExperimentData& data, const EvalConfig& config);

}  // namespace kdup
