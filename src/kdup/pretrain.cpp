#include "kdup/pretrain.h"

#include <chrono>
#include <cmath>

#include "data/loader.h"
#include "dist/all_gather.h"
#include "kdup/divergence.h"
#include "kdup/nt_xent.h"
#include "kdup/sdclr_pruning.h"
#include "nn/data_parallel.h"
#include "ops/ops.h"

namespace kdup {

namespace {

int64_t steps_per_epoch(size_t samples, int64_t batch) {
  return static_cast<int64_t>(samples) / std::max<int64_t>(batch, 1);
}

}  // namespace

Pretrainer::Pretrainer(ContrastiveModel& model, const PretrainConfig& config, Tensor images,
                       std::vector<int64_t> ids, Communicator& communicator)
    : model_(model), config_(config), communicator_(communicator),
      images_(images.to(config.device)), ids_(std::move(ids)),
      optimizer_({{model.decayed_parameters(), config.weight_decay},
                  {model.undecayed_parameters(), 0.0}},
                 config.lr, config.momentum),
      schedule_(config.lr, config.warmup_epochs * steps_per_epoch(ids_.size(), config.batch_size),
                config.epochs * steps_per_epoch(ids_.size(), config.batch_size), config.final_lr) {
  KDUP_CHECK(config.method == "simclr" || config.method == "sdclr",
             "train.method: unknown method '" << config.method << "' (simclr or sdclr)");
  KDUP_CHECK(static_cast<int64_t>(ids_.size()) >= config.batch_size,
             "train.batch_size: " << config.batch_size << " is larger than the " << ids_.size()
                                  << " training images");
  state_.metadata["images_processed"] = "0";
  state_.metadata["train_seconds"] = "0";
  broadcast_module(communicator_, model_);
  synchronise_batch_norm(model_, config_.sync_batch_norm ? &communicator_ : nullptr);
}

int64_t Pretrainer::images_processed() const {
  return std::stoll(state_.metadata.at("images_processed"));
}

double Pretrainer::train_seconds() const { return std::stod(state_.metadata.at("train_seconds")); }

EpochReport Pretrainer::train_epoch(const std::function<void(const StepReport&)>& on_step,
                                    const StopCheck& stop) {
  const auto start = std::chrono::steady_clock::now();
  const bool sdclr = config_.method == "sdclr";
  model_.train();
  // SDCLR re-prunes from the current dense weights at the start of every epoch (an epoch resumed
  // within has its masks from the checkpoint).
  if (sdclr && totals_.steps == 0)
    prune_by_global_magnitude(model_.backbone().convolutions(), config_.prune_ratio);
  TwoViewLoader loader(images_, ids_, config_.batch_size, config_.views.contrastive, config_.seed,
                       state_.epoch, config_.device, totals_.steps,
                       {communicator_.rank(), communicator_.size()});
  EpochReport report;
  TwoViewBatch batch;
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  while (loader.next(batch)) {
    const int64_t step = totals_.steps;
    const double lr = schedule_.lr_at(state_.step);
    optimizer_.set_lr(lr);
    optimizer_.zero_grad();
    Tensor z1 = model_.project(batch.view1);
    if (sdclr) model_.set_branch(1);  // the second view goes through the pruned branch
    Tensor z2 = model_.project(batch.view2);
    model_.set_branch(0);
    // The global batch's NT-Xent on every rank (rows in rank order: the batch of one process).
    Tensor loss = nt_xent_loss(all_gather_rows(communicator_, z1), all_gather_rows(communicator_, z2),
                               config_.temperature);
    loss.backward();
    all_reduce_gradients(communicator_, optimizer_);
    optimizer_.step();
    const StepValues values = read_step_values({{"loss", loss}}, optimizer_, model_);
    check_step_finite("pretrain", state_.epoch + 1, step + 1, loader.batches(), values);
    const double value = values.loss();
    const int64_t images = 2 * static_cast<int64_t>(batch.ids.size()) * communicator_.size();
    totals_.add_step({value}, images);
    ++state_.step;
    if (on_step) on_step({state_.epoch, step, loader.batches(), value, lr, images});
    report.lr = lr;
    if (stop && totals_.steps < loader.batches() && stop()) {
      report.stopped = true;
      break;
    }
  }
  const double seconds = totals_.seconds + elapsed();
  report.epoch = state_.epoch;
  report.images = totals_.images;
  report.seconds = seconds;
  if (report.stopped) {
    totals_.seconds = seconds;
    return report;
  }
  ++state_.epoch;
  state_.metadata["images_processed"] = std::to_string(images_processed() + report.images);
  report.epoch = state_.epoch;
  report.loss = totals_.mean_loss(0);
  state_.metadata["train_seconds"] = std::to_string(train_seconds() + report.seconds);
  totals_ = EpochTotals();
  return report;
}

void Pretrainer::save(const std::string& path) const {
  TrainingState state = state_;
  state.metadata["method"] = config_.method;
  totals_.write(state.metadata);
  if (totals_.steps > 0) state.extra = pruning_masks(model_.backbone().convolutions());
  save_checkpoint(path, model_, optimizer_, state);
}

void Pretrainer::restore(const std::string& path) {
  TrainingState loaded = load_checkpoint(path, model_, &optimizer_);
  KDUP_CHECK(!loaded.metadata.count("method") || loaded.metadata.at("method") == config_.method,
             path << ": checkpoint of method '" << loaded.metadata.at("method")
                  << "', the config asks for '" << config_.method << "'");
  totals_ = EpochTotals::take(loaded.metadata, 1);
  if (totals_.steps > 0 && config_.method == "sdclr")
    KDUP_CHECK(restore_pruning_masks(model_.backbone().convolutions(), loaded.extra),
               path << ": checkpoint within an SDCLR epoch lacks the pruning masks");
  loaded.extra.clear();  // the masks live in the model
  state_ = loaded;
  for (const char* key : {"images_processed", "train_seconds"})
    if (!state_.metadata.count(key)) state_.metadata[key] = "0";
}

}  // namespace kdup
