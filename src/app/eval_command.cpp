// kdup eval: evaluate a run's checkpoint again (e.g. with other evaluation settings), and
// kdup compare: the results of several runs side by side.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "app/commands.h"
#include "app/diagnostics_json.h"
#include "app/evaluation_report.h"
#include "app/run_artifacts.h"
#include "app/run_dir.h"
#include "app/train_schema.h"

namespace kdup {

int eval_command(const std::string& run_dir, const std::string& checkpoint_in,
                 const std::vector<std::string>& overrides) {
  const Config cfg = load_config(run_dir + "/config.json", train_schema(), overrides);
  const Device device = device_from_config(cfg);
  set_backend_options(backend_options_from(cfg));
  std::string checkpoint = checkpoint_in;
  if (checkpoint.empty()) {  // the final network: stage 2's g when the run has one, else stage 1's
    RunDir run(run_dir, cfg.resolved_json(), /*resume=*/true);
    std::optional<CheckpointFile> latest = run.latest_checkpoint();
    if (cfg.boolean("stage2.enabled") && std::filesystem::exists(run_dir + "/stage2"))
      if (auto g = RunDir(run_dir + "/stage2", cfg.resolved_json(), true).latest_checkpoint())
        latest = g;
    KDUP_CHECK(latest, run_dir << ": no checkpoint to evaluate (checkpoint_epoch_*.safetensors)");
    checkpoint = latest->path;
  }
  const ExperimentData data = load_experiment_data(data_paths_from_config(cfg));
  ContrastiveModel model(model_config_from(cfg));
  model.to(device);
  TrainingState state = load_checkpoint(checkpoint, model, nullptr);
  std::cerr << "kdup: evaluating " << checkpoint << " (epoch " << state.epoch << ")\n";
  RunSummary summary{
      cfg.string("run.label"),
      run_dir + "/config.json",
      state.epoch,
      state.metadata.count("images_processed") ? std::stoll(state.metadata.at("images_processed"))
                                               : 0,
      state.metadata.count("train_seconds") ? std::stod(state.metadata.at("train_seconds")) : 0.0,
      cfg.integer("run.seed"),
      diagnostics_from_log(load_run_artifacts(run_dir).log)};
  std::cout << evaluate_and_report(model, data, eval_config_from(cfg, device), summary, run_dir);
  return 0;
}

int compare_command(const std::vector<std::string>& run_dirs) {
  std::vector<nlohmann::json> results;
  for (const std::string& dir : run_dirs) {
    std::ifstream in(dir + "/results.json");
    KDUP_CHECK(in, dir << "/results.json: cannot open (has the run finished its evaluation?)");
    try {
      results.push_back(nlohmann::json::parse(in));
    } catch (const nlohmann::json::exception& e) {
      KDUP_CHECK(false, dir << "/results.json: unreadable: " << e.what());
    }
  }
  std::cout << comparison_markdown(results);
  return 0;
}

}  // namespace kdup
