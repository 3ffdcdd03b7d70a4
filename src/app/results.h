// results.json and results.md of a run: the paper's table rows (Many / Medium / Few / STD / All)
// for the linear probe and the 1% few-shot probe, with the k-NN monitor, the cluster indices and
// the per-class accuracies.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "eval/evaluate.h"

namespace kdup {

struct RunSummary {
  std::string name;    // the row label, e.g. "SimCLR"
  std::string config;  // the config file the run came from
  int64_t epochs = 0;
  int64_t images_processed = 0;  // forward+backward images through the trained network
  double train_seconds = 0;
  int64_t seed = 0;  // run.seed
  // The mechanism diagnostics of the run's refreshes and stage 2 (METHOD.md §6), when it has any.
  nlohmann::json diagnostics;
};

nlohmann::json results_json(const RunSummary& run, const EvaluationResult& result);
std::string results_markdown(const RunSummary& run, const EvaluationResult& result);
// The runs grouped by their row label (results.json "name"), in the order labels first appear:
// runs of one method that differ in their seed.
std::vector<std::vector<nlohmann::json>> group_by_label(const std::vector<nlohmann::json>& results);
// One table row per label and protocol, side by side, from results.json records: every column as
// mean ± sample standard deviation over the label's runs (METHOD.md §6), with their seeds.
std::string comparison_markdown(const std::vector<nlohmann::json>& results);

}  // namespace kdup
