#include "eval/evaluate.h"

#include <numeric>

#include "eval/knn.h"

namespace kdup {

namespace {

double mean_of(const std::vector<double>& v) {
  return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

ProbeSummary run_probe(const Encoder& encoder, const ExperimentData& data,
                       const std::vector<int64_t>& train_ids, const LabelledFeatures& val,
                       const Tensor& test_features, const std::vector<int64_t>& test_labels,
                       const ProbeConfig& probe, const EvalConfig& config,
                       const EvalProgress& progress, const std::string& stage) {
  ProbeSummary s;
  s.ran = true;
  s.cached_features = config.cached_features;
  Tensor cached;
  if (config.cached_features)
    cached = embed_images(encoder, data.train.images, train_ids, config.views.plain, {},
                          config.batch_size, config.device);
  EpochFeatures features = [&](int64_t epoch) {
    if (progress) progress(stage, epoch, probe.epochs);
    if (config.cached_features) return cached;
    return embed_images(encoder, data.train.images, train_ids, config.views.probe,
                        {probe.seed, static_cast<uint64_t>(epoch), 7}, config.batch_size,
                        config.device);
  };
  ProbeResult r = train_linear_probe(features, data.labels_of(train_ids, false), val, test_features,
                                     data.train.num_classes, probe);
  s.best_epoch = r.best_epoch;
  s.val_accuracy = r.best_val_accuracy;
  s.per_class = per_class_accuracy(r.test_predictions, test_labels, data.train.num_classes);
  s.groups = group_accuracy(s.per_class, data.pretrain_class_counts, config.groups);
  return s;
}

// Weighted k-NN of the test features against D_i's features, mean per-class accuracy.
double knn_accuracy(const Encoder& encoder, const ExperimentData& data, const Tensor& test,
                    const EvalConfig& config) {
  Tensor train = embed_images(encoder, data.train.images, data.pretrain_ids, config.views.plain, {},
                              config.batch_size, config.device);
  std::vector<int64_t> predicted = knn_predict(train, data.labels_of(data.pretrain_ids, false),
                                               test, data.train.num_classes, config.knn_k);
  return mean_of(per_class_accuracy(predicted, data.labels_of(data.test_ids, true),
                                    data.train.num_classes));
}

}  // namespace

double knn_monitor(const Encoder& encoder, const ExperimentData& data, const EvalConfig& config) {
  Tensor test = embed_images(encoder, data.test.images, data.test_ids, config.views.plain, {},
                             config.batch_size, config.device);
  return knn_accuracy(encoder, data, test, config);
}

EvaluationResult evaluate_encoder(const Encoder& encoder, const ExperimentData& data,
                                  const EvalConfig& config, const EvalProgress& progress) {
  EvaluationResult result;
  result.train_counts = data.pretrain_class_counts;
  result.groups = config.groups;
  const AugmentConfig& plain = config.views.plain;
  if (progress) progress("embedding test and validation images", 0, 1);
  Tensor test = embed_images(encoder, data.test.images, data.test_ids, plain, {}, config.batch_size,
                             config.device);
  result.test_features = test;
  const std::vector<int64_t> test_labels = data.labels_of(data.test_ids, true);
  result.calinski_harabasz = calinski_harabasz(test, test_labels);
  result.davies_bouldin = davies_bouldin(test, test_labels);
  result.knn_accuracy = knn_accuracy(encoder, data, test, config);

  LabelledFeatures val;
  const std::vector<int64_t>& val_ids = data.val_ids.empty() ? data.test_ids : data.val_ids;
  val.features = embed_images(encoder, data.val_ids.empty() ? data.test.images : data.train.images,
                              val_ids, plain, {}, config.batch_size, config.device);
  val.labels = data.labels_of(val_ids, data.val_ids.empty());
  if (config.linear)
    result.linear = run_probe(encoder, data, data.probe_train_ids, val, test, test_labels,
                              config.probe, config, progress, "linear probe");
  if (config.fewshot && !data.fewshot_ids.empty())
    result.fewshot = run_probe(encoder, data, data.fewshot_ids, val, test, test_labels,
                               config.fewshot_probe, config, progress, "few-shot probe");
  return result;
}

}  // namespace kdup
