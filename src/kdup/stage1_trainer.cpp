#include "kdup/stage1_trainer.h"

#include <chrono>
#include <cmath>
#include <unordered_map>

#include "autograd/grad_mode.h"
#include "dist/all_gather.h"
#include "kdup/colt_tailness.h"
#include "kdup/divergence.h"
#include "kdup/domain_loss.h"
#include "kdup/merged_batches.h"
#include "kdup/nt_xent.h"
#include "kdup/pseudo_semantic_loss.h"
#include "kdup/sdclr_pruning.h"
#include "nn/data_parallel.h"
#include "ops/indexing.h"
#include "ops/ops.h"

namespace kdup {

namespace {

void check_images(const Tensor& images, const char* what) {
  KDUP_CHECK(
      images.defined() && images.dim() == 4 && images.dtype() == DType::u8 && images.size(3) == 3,
      "stage 1: " << what << " must be uint8 [N, H, W, 3], got "
                  << (images.defined() ? shape_str(images.shape()) : "nothing"));
}

// The config, once its values and the data sizes it meets agree (thrown otherwise).
Stage1Config checked(const Stage1Config& c, const Tensor& id_images, size_t id_count,
                     const Tensor& pool, size_t label_count) {
  validate_stage1_config(c);
  check_images(id_images, "the ID images");
  const auto n_id = static_cast<int64_t>(id_count);
  KDUP_CHECK(label_count == 0 || label_count == id_count,
             "stage 1: " << label_count << " ID labels for " << id_count << " ID images");
  if (stage1_uses_pool(c)) {
    KDUP_CHECK(pool.defined() && pool.numel() > 0,
               "stage1.sampling '" << c.sampling << "': the OOD pool is empty");
    check_images(pool, "the OOD pool");
  }
  validate_stage1_sizes(c, n_id, stage1_uses_pool(c) ? pool.size(0) : 0);
  return c;
}

int64_t schedule_steps(const Stage1Config& c, int64_t n_id, int64_t epochs_of_id,
                       int64_t epochs_of_merged) {
  const int64_t b = c.base.batch_size;
  return epochs_of_id * (n_id / b) + epochs_of_merged * ((n_id + stage1_extra_samples(c)) / b);
}

}  // namespace

Stage1Trainer::Stage1Trainer(ContrastiveModel& model, const Stage1Config& config, Tensor id_images,
                             std::vector<int64_t> id_ids, Tensor pool_images,
                             std::vector<int64_t> id_labels, std::vector<int> class_groups,
                             Communicator& communicator)
    : model_(model),
      communicator_(communicator),
      config_(checked(config, id_images, id_ids.size(), pool_images, id_labels.size())),
      data_{id_images.to(Device::cpu), std::move(id_ids), pool_images,
            class_groups.empty() || id_labels.empty()
                ? label_groups_by_thirds(std::move(id_labels))
                : LabelGroups{std::move(id_labels), std::move(class_groups)}},
      optimizer_({{model.decayed_parameters(), config.base.weight_decay},
                  {model.undecayed_parameters(), 0.0}},
                 config.base.lr, config.base.momentum),
      // Per-iteration warm-up and cosine over the whole run; epochs after the warm-up have
      // |D_ID ∪ D_s^OOD| / B steps, the warm-up's lr ramp is counted in epochs of D_ID.
      schedule_(config.base.lr,
                schedule_steps(config_, static_cast<int64_t>(data_.id_ids.size()),
                               config.base.warmup_epochs, 0),
                schedule_steps(config_, static_cast<int64_t>(data_.id_ids.size()),
                               config.warmup_epochs, config.base.epochs - config.warmup_epochs),
                config.base.final_lr) {
  id_images_on_device_ = data_.id_images.to(config_.base.device);
  method_.tailness = TailnessMomentum(config_.tailness_rho, config_.tailness_momentum);
  if (config_.tailness == "colt")
    method_.colt_scores = Tensor::zeros({static_cast<int64_t>(data_.id_ids.size())});
  state_.metadata["images_processed"] = "0";
  state_.metadata["train_seconds"] = "0";
  broadcast_module(communicator_, model_);
  synchronise_batch_norm(model_, config_.base.sync_batch_norm ? &communicator_ : nullptr);
}

int64_t Stage1Trainer::images_processed() const {
  return std::stoll(state_.metadata.at("images_processed"));
}

double Stage1Trainer::train_seconds() const {
  return std::stod(state_.metadata.at("train_seconds"));
}

bool Stage1Trainer::refresh_due() const {
  const int64_t since = state_.epoch - config_.warmup_epochs;
  return since >= 0 && since % config_.refresh_every == 0;
}

int64_t Stage1Trainer::merged_size() const {
  return static_cast<int64_t>(data_.id_ids.size()) + stage1_extra_samples(config_);
}

void Stage1Trainer::build_merged_images() {
  NoGradGuard no_grad;
  const Tensor ids =
      Tensor::from_vector<int64_t>(data_.id_ids, {static_cast<int64_t>(data_.id_ids.size())});
  Tensor id_part = index_select(data_.id_images, ids);
  if (!method_.selection.defined()) {
    merged_images_ = id_part.to(config_.base.device);
    return;
  }
  // The selection indexes the pool, or D_ID for the augmented-instead-of-OOD copies.
  const Tensor& source = config_.sampling == "augmented" ? id_part : data_.pool_images;
  Tensor extra = index_select(source.to(Device::cpu), method_.selection);
  merged_images_ = concat({id_part, extra}, 0).to(config_.base.device);
}

Tensor Stage1Trainer::train_step(const TwoViewBatch& batch, bool merged, Tensor& contrastive,
                                 Tensor& domain, Tensor& colt_scores) {
  const bool sdclr = config_.base.method == "sdclr";
  const double tau = config_.base.temperature;
  const auto n_id = static_cast<int64_t>(data_.id_ids.size());
  // The rows of the whole batch (every rank's slice, in rank order; the batch of one process), and
  // its sample ids.
  const std::vector<int64_t>& ids = batch.global_ids;
  const auto b = static_cast<int64_t>(ids.size());
  Tensor z1 = all_gather_rows(communicator_, model_.project(batch.view1));
  if (sdclr) model_.set_branch(1);  // the second view goes through the pruned branch
  Tensor z2 = all_gather_rows(communicator_, model_.project(batch.view2));
  model_.set_branch(0);

  Tensor contrastive_term, domain_term;
  if (merged && config_.use_psd) {
    // L_PSD (Eq. 8): the partners of each sample are its K_pos neighbours present in the batch.
    std::unordered_multimap<int64_t, int64_t> position_of;
    for (int64_t p = 0; p < b; ++p) position_of.emplace(ids[p], p);
    const int64_t k_pos = config_.positives_k;
    std::vector<std::vector<int64_t>> partners(static_cast<size_t>(b));
    for (int64_t p = 0; p < b; ++p)
      for (int64_t t = 0; t < k_pos; ++t) {
        auto range = position_of.equal_range(positive_lists_host_[ids[p] * k_pos + t]);
        for (auto it = range.first; it != range.second; ++it)
          if (it->second != p) partners[p].push_back(it->second);
      }
    contrastive_term =
        pseudo_semantic_loss(z1, z2, partner_bits(partners), tau,
                             config_.psd_denominator == "infonce" ? PsdDenominator::infonce
                                                                  : PsdDenominator::as_written);
  } else {
    contrastive_term = nt_xent_loss(z1, z2, tau);
  }
  Tensor loss = contrastive_term;
  if (merged && config_.domain_loss != "none") {
    // Domain labels of the 2B rows [view 1; view 2]: 1 for the sampled OOD rows. The augmented
    // ID copies keep the ID label.
    std::vector<int64_t> domains(static_cast<size_t>(2 * b), 0);
    if (config_.sampling != "augmented")
      for (int64_t p = 0; p < b; ++p) domains[p] = domains[p + b] = ids[p] >= n_id ? 1 : 0;
    const Tensor rows = concat({z1, z2}, 0);
    domain_term = config_.domain_loss == "dd"
                      ? domain_discrimination_loss(rows, domains, tau) * config_.alpha
                      : colt_domain_loss(rows, domains, tau) * config_.sup_weight;
    loss = loss + domain_term;
  }
  if (config_.tailness == "colt") {
    // COLT's tailness: the batch's NT-Xent logits scored; the trainer folds the scores of the ID
    // rows into their EMA once it has read them with the loss.
    NoGradGuard no_grad;
    colt_scores =
        colt_batch_scores(contrastive_logits(z1.detach(), z2.detach(), tau), config_.colt_top_k);
  }
  loss.backward();
  contrastive = contrastive_term;
  domain = domain_term;
  return loss;
}

void Stage1Trainer::fold_colt_scores(const TwoViewBatch& batch, const std::vector<double>& scores) {
  const auto n_id = static_cast<int64_t>(data_.id_ids.size());
  std::vector<int64_t> images;
  std::vector<double> id_scores;
  for (size_t p = 0; p < batch.global_ids.size(); ++p)
    if (batch.global_ids[p] < n_id) {
      images.push_back(batch.global_ids[p]);
      id_scores.push_back(scores.at(p));
    }
  colt_ema_update(method_.colt_scores, images, id_scores, config_.colt_score_momentum);
}

Stage1EpochReport Stage1Trainer::train_epoch(const std::function<void(const StepReport&)>& on_step,
                                             const StopCheck& stop) {
  const auto start = std::chrono::steady_clock::now();
  const bool resumed_within = totals_.steps > 0;  // the refresh and pruning are done already
  Stage1EpochReport report;
  if (refresh_due() && !resumed_within) {
    // The ranks embed with rank 0's network: its parameters, and its running batch statistics,
    // which differ between ranks when batch norm is per rank.
    broadcast_module(communicator_, model_);
    report.refresh = refresh_stage1(model_, config_, data_, state_.epoch, method_, communicator_);
    build_merged_images();
  }
  const bool merged = state_.epoch >= config_.warmup_epochs;
  if (merged) positive_lists_host_ = method_.positives.to_vector<int64_t>();
  model_.train();
  // SDCLR re-prunes from the current dense weights at the start of every epoch.
  if (config_.base.method == "sdclr" && !resumed_within)
    prune_by_global_magnitude(model_.backbone().convolutions(), config_.base.prune_ratio);

  const int64_t batch_size = config_.base.batch_size;
  const uint64_t seed = config_.base.seed;
  BatchPlan plan;
  if (!merged)  // warm-up: the batches and augmentations of the Pretrainer (keys: ID image ids)
    plan = random_batch_plan(static_cast<int64_t>(data_.id_ids.size()), batch_size, seed,
                             state_.epoch);
  else if (config_.batch_construction == "anchor_neighbour")
    plan = anchor_neighbour_batch_plan(method_.positives, batch_size, seed, state_.epoch);
  else
    plan = random_batch_plan(merged_size(), batch_size, seed, state_.epoch);
  const auto steps = static_cast<int64_t>(plan.size());
  plan.erase(plan.begin(), plan.begin() + std::min(totals_.steps, steps));  // the steps done
  PlannedTwoViewLoader loader(merged ? merged_images_ : id_images_on_device_,
                              merged ? std::vector<int64_t>{} : data_.id_ids, std::move(plan),
                              config_.base.views.contrastive, seed, state_.epoch,
                              config_.base.device, {communicator_.rank(), communicator_.size()});
  TwoViewBatch batch;
  while (loader.next(batch)) {
    const int64_t step = totals_.steps;
    const double lr = schedule_.lr_at(state_.step);
    optimizer_.set_lr(lr);
    optimizer_.zero_grad();
    Tensor contrastive, domain, colt_scores;
    const Tensor loss = train_step(batch, merged, contrastive, domain, colt_scores);
    all_reduce_gradients(communicator_, optimizer_);
    optimizer_.step();
    const StepValues values = read_step_values(
        {{"loss", loss}, {"contrastive", contrastive}, {"domain", domain}}, optimizer_, model_,
        colt_scores);
    check_step_finite("stage1", state_.epoch + 1, step + 1, steps, values);
    if (colt_scores.defined()) fold_colt_scores(batch, values.extra);
    const double value = values.loss();
    const int64_t images = 2 * static_cast<int64_t>(batch.global_ids.size());
    totals_.add_step({value, values.term(1), values.term(2)}, images);
    ++state_.step;
    if (on_step) on_step({state_.epoch, step, steps, value, lr, images});
    report.lr = lr;
    if (stop && totals_.steps < steps && stop()) {
      report.stopped = true;
      break;
    }
  }
  const double seconds =
      totals_.seconds +
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  report.epoch = state_.epoch;
  report.merged = merged;
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
  report.contrastive_loss = totals_.mean_loss(1);
  report.domain_loss = totals_.mean_loss(2);
  state_.metadata["train_seconds"] = std::to_string(train_seconds() + report.seconds);
  totals_ = EpochTotals(3);
  return report;
}

void Stage1Trainer::save(const std::string& path) const {
  TrainingState state = state_;
  state.metadata["method"] = "stage1-" + config_.base.method;
  state.metadata["stage1.sampling"] = config_.sampling;
  state.extra = method_.to_named_tensors();
  totals_.write(state.metadata);
  if (totals_.steps > 0)
    for (auto& mask : pruning_masks(model_.backbone().convolutions()))
      state.extra.push_back(std::move(mask));
  save_checkpoint(path, model_, optimizer_, state);
}

void Stage1Trainer::restore(const std::string& path) {
  TrainingState loaded = load_checkpoint(path, model_, &optimizer_);
  const std::string method_name = "stage1-" + config_.base.method;
  const std::string found = loaded.metadata.count("method") ? loaded.metadata.at("method") : "";
  // A checkpoint of the base method itself (the Pretrainer's) may seed the run up to the end of
  // the warm-up: COLT and KDUP may branch from a SimCLR run there (METHOD.md §2b).
  const bool from_base = found == config_.base.method;
  KDUP_CHECK(found == method_name || from_base, path << ": not a checkpoint of " << method_name
                                                     << " or " << config_.base.method
                                                     << " (method '" << found << "')");
  totals_ = EpochTotals::take(loaded.metadata, 3);
  KDUP_CHECK(!from_base || totals_.steps == 0,
             path << ": a " << found << " checkpoint within an epoch can only resume its own run");
  KDUP_CHECK(!from_base || loaded.epoch <= config_.warmup_epochs,
             path << ": a " << found << " checkpoint after " << loaded.epoch
                  << " epochs can only start stage 1 within its warm-up of "
                  << config_.warmup_epochs << " epochs");
  // COLT's tailness is an EMA over every training step since the first; a base checkpoint has none.
  KDUP_CHECK(!from_base || config_.tailness != "colt",
             path << ": COLT's tailness is an average over its own training steps, which a " << found
                  << " checkpoint does not carry; run COLT from its first epoch");
  KDUP_CHECK(!loaded.metadata.count("stage1.sampling") ||
                 loaded.metadata.at("stage1.sampling") == config_.sampling,
             path << ": checkpoint of sampling '" << loaded.metadata.at("stage1.sampling")
                  << "', the config asks for '" << config_.sampling << "'");
  Stage1MethodState method;
  method.tailness = TailnessMomentum(config_.tailness_rho, config_.tailness_momentum);
  method.load_named_tensors(loaded.extra);
  if (totals_.steps > 0 && config_.base.method == "sdclr")
    KDUP_CHECK(restore_pruning_masks(model_.backbone().convolutions(), loaded.extra),
               path << ": checkpoint within an SDCLR epoch lacks the pruning masks");
  if (config_.tailness == "colt" && !method.colt_scores.defined())
    method.colt_scores = Tensor::zeros({static_cast<int64_t>(data_.id_ids.size())});
  method_ = std::move(method);
  loaded.extra.clear();
  state_ = loaded;
  for (const char* key : {"images_processed", "train_seconds"})
    if (!state_.metadata.count(key)) state_.metadata[key] = "0";
  if (method_.refreshes > 0) build_merged_images();
}

}  // namespace kdup
