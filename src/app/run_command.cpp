// kdup run (alias kdup train): stage 1 — KDUP, COLT, an ablation, or plain SimCLR/SDCLR
// pre-training — then stage 2 when enabled, then the evaluation, results.md and report.html.
// Checkpoints of stage 1 go to the run directory, those of stage 2 to its stage2/ folder; both
// stages log into one log.jsonl. --resume continues from the latest checkpoints; --from starts
// from another run's checkpoint (stage 1: branching from a SimCLR warm-up; stage 2 alone: f).
// With stage 1 off and stage 2 on, stage 2 distils the plain SimCLR/SDCLR network (or --from's).
#include <filesystem>
#include <iostream>
#include <optional>

#include "app/commands.h"
#include "app/diagnostics_json.h"
#include "app/evaluation_report.h"
#include "app/method_schema.h"
#include "app/progress.h"
#include "app/report.h"
#include "dist/broadcast_values.h"
#include "dist/communicator.h"
#include "app/run_dir.h"
#include "app/stop_signals.h"
#include "app/train_schema.h"
#include "data/npy.h"
#include "data/ood_pool.h"
#include "kdup/divergence.h"
#include "kdup/stage1_trainer.h"
#include "nn/data_parallel.h"

namespace kdup {

namespace {

// The fields every stage's epoch report has (EpochReport, Stage1EpochReport, Stage2EpochReport).
template <class Report>
nlohmann::json epoch_record(const std::string& stage, const Report& r, int64_t processed) {
  return {{"stage", stage},
          {"epoch", r.epoch},
          {"loss", r.loss},
          {"lr", r.lr},
          {"seconds", r.seconds},
          {"images_per_second", r.images / std::max(r.seconds, 1e-9)},
          {"images_processed", processed}};
}

// Where a divergence leaves the run: its last good checkpoint, or none yet (rank 0 names it).
std::string last_good_checkpoint(const RunDir* checkpoints) {
  if (!checkpoints) return "";
  const std::optional<CheckpointFile> last = checkpoints->latest_checkpoint();
  return last ? "; the last good checkpoint is " + last->path + ", --resume continues from it"
              : "; no checkpoint of this stage was written before it";
}

// When and which checkpoints a stage writes and keeps (run.checkpoint_every, run.keep_checkpoints,
// run.keep_every).
struct CheckpointPolicy {
  int64_t every = 1;
  int64_t keep_last = 0;
  int64_t keep_every = 0;
};

// The epoch loop of every stage: a progress line, a log record per epoch (record sees stopped
// reports too, and skips them), checkpoints into `checkpoints`, the older ones pruned after each.
// steps(epoch) is the number of steps of a 0-based epoch, for the progress line's ETA. Returns 0
// when the stage ran to its end, or the signal (app/stop_signals.h) that stopped it at a step
// boundary, after a checkpoint there. A divergence ends the run with an error naming the last good
// checkpoint. Over several processes every rank trains, they agree on a signal after each step,
// and rank 0 alone (checkpoints not null) shows progress, records and writes checkpoints.
template <class Trainer, class Steps, class Record>
int run_epochs(Trainer& trainer, const std::string& stage, int64_t epochs, Steps steps,
               const CheckpointPolicy& policy, const RunDir* checkpoints, Communicator& ranks,
               Record record) {
  std::ostream silent(nullptr);
  ProgressOptions quiet;
  quiet.out = &silent;
  Progress progress(checkpoints ? ProgressOptions{} : quiet);
  const StopCheck stop = [&ranks] { return agreed_stop_signal(ranks) != 0; };
  auto train_epoch = [&] {
    try {
      return trainer.train_epoch([&](const StepReport& s) { progress.step(s.images, s.loss); },
                                 stop);
    } catch (const TrainingDiverged& e) {
      progress.finish();
      throw Error(e.what() + last_good_checkpoint(checkpoints));
    }
  };
  while (trainer.epochs_done() < epochs) {
    progress.begin(stage, trainer.epochs_done() + 1, epochs, steps(trainer.epochs_done()));
    auto report = train_epoch();
    progress.end();
    if (checkpoints) record(report);
    const int signal = agreed_stop_signal(ranks);
    if (signal || report.epoch % policy.every == 0 || report.epoch == epochs) {
      const int64_t step = trainer.epoch_steps_done();  // 0 unless the epoch was stopped
      if (!checkpoints) {
        if (signal) return signal;
        continue;
      }
      const std::string path = checkpoints->path(RunDir::checkpoint_name(report.epoch, step));
      trainer.save(path);
      checkpoints->prune_checkpoints(policy.keep_last, policy.keep_every);
      if (signal) {
        progress.finish();
        std::cerr << "kdup: " << stop_signal_name(signal) << ": " << stage << " stopped ";
        if (step)
          std::cerr << "at epoch " << report.epoch + 1 << ", step " << step << "/"
                    << steps(report.epoch);
        else
          std::cerr << "after epoch " << report.epoch;
        std::cerr << "; wrote " << path << ", --resume continues from it\n";
        return signal;
      }
    }
  }
  progress.finish();
  return 0;
}

// Where a stage starts: the run's own latest checkpoint when resuming, else --from when given.
// A resumed stage logs again what was logged after that checkpoint (a run killed between a log
// record and its checkpoint), so `log` loses those records first, with any line cut short and,
// when the stage has epochs left to run, the records of the later stage: resumed runs leave no
// torn or duplicated record. Over several processes rank 0 (the one with the run directories)
// picks the checkpoint and every rank loads it.
template <class Trainer>
void restore_start(Trainer& trainer, const RunDir* checkpoints, bool resume,
                   const std::string& from, RunDir* log, Communicator& ranks,
                   const std::string& stage, int64_t stage_epochs,
                   const std::string& later_stage) {
  std::string checkpoint;
  if (checkpoints && resume)
    if (auto latest = checkpoints->latest_checkpoint()) checkpoint = latest->path;
  checkpoint = broadcast_string(ranks, checkpoint);
  if (!checkpoint.empty())
    trainer.restore(checkpoint);
  else if (!from.empty())
    trainer.restore(from);
  if (!resume || !log) return;
  const int64_t epochs = trainer.epochs_done(), steps = trainer.epoch_steps_done();
  log->drop_log_records([&](const nlohmann::json& r) {
    const std::string record_stage = r.value("stage", "");
    if (!later_stage.empty() && record_stage == later_stage) return epochs < stage_epochs;
    if (record_stage != stage || !r.contains("epoch") || !r["epoch"].is_number_integer())
      return false;
    const int64_t epoch = r["epoch"].get<int64_t>();
    // A refresh runs at the start of the epoch after `epoch`, before its first step.
    if (r.value("refresh", false)) return epoch > epochs || (epoch == epochs && steps == 0);
    return epoch > epochs;
  });
}

void log_refresh(RunDir& run, const RefreshReport& r, const Stage1Trainer& trainer,
                 const Stage1Config& config, const ExperimentData& data) {
  nlohmann::json record = {{"refresh", true},
                           {"stage", "stage1"},
                           {"refresh_index", r.refresh},
                           {"epoch", r.epoch},
                           {"cluster_sizes", r.cluster_sizes},
                           {"cluster_tailness", r.cluster_tailness},
                           {"budgets", r.budgets},
                           {"sampled", r.sampled},
                           {"kl_passes", r.kl_passes},
                           {"kl_change_rate", r.kl_change_rate},
                           {"kl_loss_before", r.kl_loss_before},
                           {"kl_loss_after", r.kl_loss_after},
                           {"seconds", r.seconds}};
  if (r.has_spearman) record["spearman"] = r.tailness_size_spearman;
  if (r.has_diagnostics) record["diagnostics"] = refresh_diagnostics_json(r);
  // KDUP's tailness is high for tail clusters, COLT's score for head clusters (METHOD.md §4.3).
  const bool colt = config.tailness == "colt";
  record["tailness_high_means"] = colt ? "head" : "tail";
  if (!r.cluster_purity.majority_class.empty()) {  // the D_ID count of each majority class
    std::vector<int64_t> sizes;
    for (int64_t c : r.cluster_purity.majority_class)
      sizes.push_back(c < 0 ? 0 : data.pretrain_class_counts[c]);
    record["majority_class_sizes"] = sizes;
  }
  const Stage1MethodState& state = trainer.method_state();
  if (state.selection.defined() && (config.sampling == "clusters" || config.sampling == "random")) {
    char name[64];
    std::snprintf(name, sizeof name, "refresh_%04lld", static_cast<long long>(r.epoch));
    write_npy(run.path(std::string(name) + "_ood.npy"), state.selection);
    record["ood_file"] = std::string(name) + "_ood.npy";
    if (state.selection_clusters.defined()) {
      write_npy(run.path(std::string(name) + "_clusters.npy"), state.selection_clusters);
      record["ood_clusters_file"] = std::string(name) + "_clusters.npy";
    }
  }
  run.append_log(record);
  std::cerr << "kdup: refresh " << r.refresh << " after epoch " << r.epoch << ": " << r.sampled
            << " samples, KL " << r.kl_passes << " passes"
            << (r.has_spearman ? std::string(colt ? ", COLT score (high = head)" : ", tailness") +
                                     "/size Spearman " + std::to_string(r.tailness_size_spearman)
                               : std::string())
            << "\n";
  if (r.has_diagnostics) std::cerr << refresh_diagnostics_line(r) << "\n";
}

// The D_ID labels and the Many/Medium/Few group of every class under the evaluation's rule, for
// the diagnostics only.
LabelGroups diagnosis_labels(const ExperimentData& data, GroupRule rule) {
  const std::vector<int64_t>& counts = data.pretrain_class_counts;
  return {data.labels_of(data.pretrain_ids, false),
          group_accuracy(std::vector<double>(counts.size(), 0.0), counts, rule).group_of_class};
}

// Every rank must train the configuration of rank 0 (the same command line, the same files).
void check_same_config(Communicator& ranks, const nlohmann::json& resolved) {
  if (ranks.size() == 1) return;
  const std::string mine = resolved.dump();
  const std::string rank0 = broadcast_string(ranks, mine);
  if (rank0 == mine) return;
  std::string keys;
  for (const std::string& key : differing_keys(nlohmann::json::parse(rank0), resolved))
    keys += (keys.empty() ? "" : ", ") + key;
  KDUP_CHECK(false, "run: this process's configuration differs from rank 0's (" << keys
                        << "); every process of an mpirun job must be given the same one");
}

}  // namespace

int run_command(const std::string& config_path, const std::vector<std::string>& overrides,
                bool resume, const std::string& from, Communicator* communicator) {
  // Started by mpirun: one training over the processes (docs/data_parallel.md). MPI starts first,
  // so that any error names its rank. Rank 0 writes the run directory, the log and the
  // checkpoints, and evaluates; the others train alongside it.
  if (!communicator) process_communicator();
  const Config cfg = load_config(config_path, train_schema(), overrides);
  const Device device = device_from_config(cfg);
  Communicator& ranks = communicator ? *communicator : process_communicator(device);
  const bool root = ranks.is_root();
  check_same_config(ranks, cfg.resolved_json());
  set_backend_options(backend_options_from(cfg));
  const bool stage1 = cfg.boolean("stage1.enabled"), stage2 = cfg.boolean("stage2.enabled");
  const DataPaths data_paths = data_paths_from_config(cfg);
  std::optional<RunDir> run_dir;
  if (root)
    run_dir.emplace(cfg.string("run.dir") + "/" + cfg.string("run.name"), cfg.resolved_json(),
                    resume);
  RunDir* const run = root ? &*run_dir : nullptr;
  const ExperimentData data = load_experiment_data(data_paths);
  const int64_t n_id = static_cast<int64_t>(data.pretrain_ids.size());
  const PretrainConfig base = pretrain_config_from(cfg, device);
  const Stage2Config stage2_config = stage2_config_from(cfg, device);
  // Stage 2's settings are checked before stage 1 spends its time.
  if (stage2) validate_stage2_config(stage2_config, data.train.images, data.pretrain_ids);
  const CheckpointPolicy checkpoint_policy{cfg.integer("run.checkpoint_every"),
                                           cfg.integer("run.keep_checkpoints"),
                                           cfg.integer("run.keep_every")};
  const int64_t knn_every = cfg.integer("run.knn_every");
  const EvalConfig eval = eval_config_from(cfg, device);
  const LabelGroups labels = diagnosis_labels(data, eval.groups);
  if (root)
    std::cerr << "kdup: " << (stage1 ? "stage 1 on " : cfg.string("train.method") + " on ")
              << n_id << " long-tailed images (" << data.train.num_classes << " classes)"
              << (stage2 ? ", then stage 2" : "") << ", " << device_name(device)
              << (ranks.size() > 1 ? " x " + std::to_string(ranks.size()) + " processes" : "")
              << ", run directory " << run->dir() << "\n";

  // The k-NN monitor (run.knn_every): test accuracy of the network being trained, in the log.
  auto add_knn = [&](nlohmann::json& record, ContrastiveModel& model, int64_t epoch,
                     int64_t epochs) {
    if (knn_every <= 0 || (epoch % knn_every != 0 && epoch != epochs)) return;
    model.eval();
    record["knn_accuracy"] =
        knn_monitor([&](const Tensor& x) { return model.features(x); }, data, eval);
    model.train();
  };

  ContrastiveModel f(model_config_from(cfg));
  f.to(device);
  // From here to the evaluation, SIGINT and SIGTERM stop the run at a step boundary.
  std::optional<StopSignals> signals(std::in_place);
  int64_t images_processed = 0;
  double train_seconds = 0;
  const bool stage1_from_checkpoint = !from.empty() && !stage1 && stage2;
  if (stage1_from_checkpoint) {  // stage 2 alone: f is another run's network
    TrainingState state = load_checkpoint(from, f, nullptr);
    if (root) std::cerr << "kdup: stage 1 network from " << from << " (epoch " << state.epoch << ")\n";
  } else if (stage1) {
    const Stage1Config config = stage1_config_from(cfg, base);
    Tensor pool;  // read only when the sampling draws from it (not for augmented or none)
    if (stage1_uses_pool(config)) {
      const std::string& pool_file = cfg.string("ood.pool_file");
      const Tensor& id_images = data.train.images;
      pool = read_ood_pool(pool_file, cfg.string("ood.pool_root"), id_images.size(1));
      KDUP_CHECK(pool.size(1) == id_images.size(1) && pool.size(2) == id_images.size(2),
                 "ood.pool_file: " << pool_file << " holds " << pool.size(1) << "x" << pool.size(2)
                                   << " images, the ID images are " << id_images.size(1) << "x"
                                   << id_images.size(2));
    }
    Stage1Trainer trainer(f, config, data.train.images, data.pretrain_ids, pool, labels.labels,
                          labels.group_of_class, ranks);
    restore_start(trainer, run, resume, from, run, ranks, "stage1", base.epochs, "stage2");
    // After the warm-up an epoch covers D_ID and the N_b sampled items.
    auto steps = [&](int64_t epoch) {
      const bool merged = epoch >= config.warmup_epochs && config.sampling != "none";
      return (n_id + (merged ? config.ood_budget : 0)) / base.batch_size;
    };
    auto log_epoch = [&](const Stage1EpochReport& r) {
      if (r.refresh) log_refresh(*run, *r.refresh, trainer, config, data);
      if (r.stopped) return;  // the epoch's record comes when it ends
      nlohmann::json record = epoch_record("stage1", r, trainer.images_processed());
      record["merged"] = r.merged;
      record["contrastive_loss"] = r.contrastive_loss;
      record["domain_loss"] = r.domain_loss;
      add_knn(record, f, r.epoch, base.epochs);
      run->append_log(record);
    };
    const int signal = run_epochs(trainer, "stage1", base.epochs, steps, checkpoint_policy, run,
                                  ranks, log_epoch);
    if (signal) return stop_exit_code(signal);
    images_processed += trainer.images_processed();
    train_seconds += trainer.train_seconds();
  } else {
    Pretrainer trainer(f, base, data.train.images, data.pretrain_ids, ranks);
    restore_start(trainer, run, resume, from, run, ranks, "pretrain", base.epochs, "stage2");
    const int signal = run_epochs(
        trainer, "pretrain", base.epochs, [&](int64_t) { return n_id / base.batch_size; },
        checkpoint_policy, run, ranks,
        [&](const EpochReport& r) {
          if (r.stopped) return;
          nlohmann::json record = epoch_record("pretrain", r, trainer.images_processed());
          add_knn(record, f, r.epoch, base.epochs);
          run->append_log(record);
        });
    if (signal) return stop_exit_code(signal);
    images_processed += trainer.images_processed();
    train_seconds += trainer.train_seconds();
  }

  ContrastiveModel* final_model = &f;
  std::unique_ptr<ContrastiveModel> g;
  if (stage2) {
    f.eval();
    // f is rank 0's on every rank, running batch statistics included (they differ between ranks
    // when batch norm is per rank): the network rank 0's checkpoint holds.
    broadcast_module(ranks, f);
    g = std::make_unique<ContrastiveModel>(model_config_from(cfg));
    g->to(device);
    Stage2Trainer trainer(f, *g, stage2_config, data.train.images, data.pretrain_ids, ranks);
    std::optional<RunDir> stage2_dir;
    if (root) {
      const std::string dir = run->dir() + "/stage2";
      std::filesystem::create_directories(dir);
      stage2_dir.emplace(dir, cfg.resolved_json(), /*resume=*/true);
    }
    RunDir* const stage2_run = root ? &*stage2_dir : nullptr;
    restore_start(trainer, stage2_run, resume, "", run, ranks, "stage2",
                  stage2_config.base.epochs, "");
    const int signal = run_epochs(
        trainer, "stage2", stage2_config.base.epochs,
        [&](int64_t) { return n_id / stage2_config.base.batch_size; }, checkpoint_policy,
        stage2_run, ranks,
        [&](const Stage2EpochReport& r) {
          if (r.stopped) return;
          nlohmann::json record = epoch_record("stage2", r, trainer.images_processed());
          record["contrastive_loss"] = r.contrastive_loss;
          record["distillation_loss"] = r.distillation_loss;
          record["frozen_images"] = r.frozen_images;
          add_knn(record, *g, r.epoch, stage2_config.base.epochs);
          if (r.epoch == 1 && stage2_config.mode != "typical") {  // the pairs of all of stage 2
            record["diagnostics"] = stage2_diagnostics_json(
                trainer.pairs(), stage2_config.pairs.num_clusters, labels, stage2_config.base.seed);
            std::cerr << stage2_diagnostics_line(record["diagnostics"]) << "\n";
          }
          run->append_log(record);
        });
    if (signal) return stop_exit_code(signal);
    images_processed += trainer.images_processed();
    train_seconds += trainer.train_seconds();
    final_model = g.get();
  }
  // Training is over and checkpointed: a signal that came after its last step boundary still
  // stops the run before the evaluation, which from here on a signal ends at once.
  if (const int signal = agreed_stop_signal(ranks)) return stop_exit_code(signal);
  signals.reset();
  if (!root) return 0;  // rank 0 evaluates

  const int64_t epochs =
      (stage1_from_checkpoint ? 0 : base.epochs) + (stage2 ? stage2_config.base.epochs : 0);
  RunSummary summary{cfg.string("run.label"),
                     config_path,
                     epochs,
                     images_processed,
                     train_seconds,
                     cfg.integer("run.seed"),
                     diagnostics_from_log(run->read_log())};
  std::cout << evaluate_and_report(*final_model, data, eval, summary, run->dir());
  write_file_atomic(run->path("report.html"), build_report_html({run->dir()}));
  std::cerr << "kdup: wrote " << run->path("results.md") << " and " << run->path("report.html")
            << "\n";
  return 0;
}

}  // namespace kdup
