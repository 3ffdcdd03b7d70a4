#include "app/evaluation_report.h"

#include "app/progress.h"
#include "app/run_dir.h"

namespace kdup {

std::string evaluate_and_report(ContrastiveModel& model, const ExperimentData& data,
                                const EvalConfig& config, const RunSummary& summary,
                                const std::string& run_dir) {
  model.eval();
  Progress progress;
  std::string current;
  EvaluationResult result = evaluate_encoder(
      [&](const Tensor& x) { return model.features(x); }, data, config,
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
  return markdown;
}

}  // namespace kdup
