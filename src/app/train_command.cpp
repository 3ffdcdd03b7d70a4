// kdup train: pre-train a baseline, checkpointing as it goes, then evaluate it.
#include <iostream>

#include "app/commands.h"
#include "app/evaluation_report.h"
#include "app/progress.h"
#include "app/run_dir.h"
#include "app/train_schema.h"

namespace kdup {

int train_command(const std::string& config_path, const std::vector<std::string>& overrides,
                  bool resume) {
  const Config cfg = load_config(config_path, train_schema(), overrides);
  const Device device = device_from_config(cfg);
  RunDir run(cfg.string("run.dir") + "/" + cfg.string("run.name"), cfg.resolved_json(), resume);
  const ExperimentData data = load_experiment_data(data_paths_from_config(cfg));
  std::cerr << "kdup: " << cfg.string("train.method") << " on " << data.pretrain_ids.size()
            << " long-tailed images (" << data.train.num_classes << " classes), "
            << device_name(device) << ", run directory " << run.dir() << "\n";

  ContrastiveModel model(model_config_from(cfg));
  model.to(device);
  const PretrainConfig train = pretrain_config_from(cfg, device);
  Pretrainer trainer(model, train, data.train.images, data.pretrain_ids);
  if (resume) {
    if (auto checkpoint = run.latest_checkpoint()) {
      trainer.restore(checkpoint->path);
      std::cerr << "kdup: resumed from " << checkpoint->path << " (epoch " << trainer.epochs_done()
                << ")\n";
    }
  }

  const int64_t steps = static_cast<int64_t>(data.pretrain_ids.size()) / train.batch_size;
  const int64_t checkpoint_every = cfg.integer("run.checkpoint_every");
  const int64_t knn_every = cfg.integer("run.knn_every");
  const EvalConfig eval = eval_config_from(cfg, device);
  Progress progress;
  while (trainer.epochs_done() < train.epochs) {
    progress.begin("train", trainer.epochs_done() + 1, train.epochs, steps);
    EpochReport report = trainer.train_epoch(
        [&](const StepReport& s) { progress.step(s.images, s.loss); });
    progress.end();
    nlohmann::json record = {{"epoch", report.epoch},
                             {"loss", report.loss},
                             {"lr", report.lr},
                             {"seconds", report.seconds},
                             {"images_per_second", report.images / std::max(report.seconds, 1e-9)},
                             {"images_processed", trainer.images_processed()}};
    if (knn_every > 0 && (report.epoch % knn_every == 0 || report.epoch == train.epochs)) {
      model.eval();
      record["knn_accuracy"] = knn_monitor([&](const Tensor& x) { return model.features(x); },
                                           data, eval.knn_k, eval.batch_size, device);
    }
    run.append_log(record);
    if (report.epoch % checkpoint_every == 0 || report.epoch == train.epochs)
      trainer.save(run.path(RunDir::checkpoint_name(report.epoch)));
  }
  progress.finish();

  RunSummary summary{cfg.string("run.label"), config_path, trainer.epochs_done(),
                     trainer.images_processed(), trainer.train_seconds()};
  std::cout << evaluate_and_report(model, data, eval, summary, run.dir());
  return 0;
}

}  // namespace kdup
