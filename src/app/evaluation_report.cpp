#include "app/evaluation_report.h"

#include <algorithm>
#include <iostream>

#include "app/progress.h"
#include "app/run_dir.h"
#include "eval/tsne.h"
#include "ops/indexing.h"

namespace kdup {

namespace {

// tsne.json: a 2-D t-SNE map {"points": [[x, y], ...], "labels": [...]} of the features of at most
// 2,000 evenly spaced test images (rows of the evaluation's test features), for the report's
// scatter plot. Exact t-SNE, 1000 iterations: about 5 s for 2,000 points on two CPU cores
// (measured), well under a second for 100.
void write_tsne_map(const Tensor& test_features, const ExperimentData& data,
                    const std::string& run_dir) {
  const int64_t n = static_cast<int64_t>(data.test_ids.size());
  const int64_t m = std::min<int64_t>(n, 2000);
  TsneConfig tsne_config;
  tsne_config.perplexity = std::min(tsne_config.perplexity, (m - 1) / 3.0);
  if (tsne_config.perplexity < 2) return;  // too few test images for a meaningful map
  std::cerr << "kdup: t-SNE map of " << m << " test images into tsne.json\n";
  std::vector<int64_t> rows(m), ids(m);
  for (int64_t i = 0; i < m; ++i) {
    rows[i] = i * n / m;
    ids[i] = data.test_ids[rows[i]];
  }
  const Tensor features = index_select(test_features, Tensor::from_vector(rows, {m}));
  const std::vector<double> xy = tsne(features, tsne_config).to_vector<double>();
  nlohmann::json points = nlohmann::json::array();
  for (int64_t i = 0; i < m; ++i) points.push_back({xy[2 * i], xy[2 * i + 1]});
  const nlohmann::json map = {{"points", points}, {"labels", data.labels_of(ids, true)}};
  write_file_atomic(run_dir + "/tsne.json", map.dump() + "\n");
}

}  // namespace

std::string evaluate_and_report(ContrastiveModel& model, const ExperimentData& data,
                                const EvalConfig& config, const RunSummary& summary,
                                const std::string& run_dir) {
  model.eval();
  Progress progress;
  std::string current;
  EvaluationResult result =
      evaluate_encoder([&](const Tensor& x) { return model.features(x); }, data, config,
                       [&](const std::string& stage, int64_t done, int64_t total) {
                         if (stage != current) {
                           if (!current.empty()) progress.end();
                           progress.begin(stage, 0, 0, total);
                           current = stage;
                         }
                         if (done > 0) progress.step(0);
                       });
  if (!current.empty()) progress.end();
  progress.finish();
  const std::string markdown = results_markdown(summary, result);
  write_file_atomic(run_dir + "/results.json", results_json(summary, result).dump(2) + "\n");
  write_file_atomic(run_dir + "/results.md", markdown);
  write_tsne_map(result.test_features, data, run_dir);
  return markdown;
}

}  // namespace kdup
