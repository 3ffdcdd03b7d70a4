#include "kdup/stage2_trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "data/loader.h"
#include "eval/embed.h"
#include "dist/all_gather.h"
#include "dist/broadcast_values.h"
#include "kdup/divergence.h"
#include "kdup/guided_losses.h"
#include "kdup/nt_xent.h"
#include "nn/data_parallel.h"
#include "ops/ops.h"

namespace kdup {
namespace {

constexpr const char* kMethod = "kdup_stage2";

int64_t steps_per_epoch(size_t samples, int64_t batch) {
  return static_cast<int64_t>(samples) / std::max<int64_t>(batch, 1);
}

// Every setting that can be wrong for this data, checked before any model work.
Stage2Config checked(const Stage2Config& c, const Tensor& images, const std::vector<int64_t>& ids) {
  KDUP_CHECK(c.mode == "typical" || c.mode == "guided_sampling" || c.mode == "guided_weighting",
             "stage2.mode: unknown mode '" << c.mode
                                           << "' (typical, guided_sampling or guided_weighting)");
  KDUP_CHECK(c.pairs_embedding == "projection" || c.pairs_embedding == "features",
             "stage2.pairs_embedding: unknown embedding '" << c.pairs_embedding
                                                           << "' (projection or features)");
  KDUP_CHECK(c.beta >= 0, "stage2.beta: " << c.beta << " must not be negative");
  KDUP_CHECK(c.base.temperature > 0,
             "stage2.temperature: " << c.base.temperature << " must be positive");
  KDUP_CHECK(c.embed_batch_size >= 1,
             "stage2.embed_batch_size: " << c.embed_batch_size << " must be positive");
  KDUP_CHECK(images.defined() && images.dim() == 4,
             "stage2: images must be uint8 [N, H, W, 3], got "
                 << (images.defined() ? shape_str(images.shape()) : "undefined"));
  const auto n = static_cast<int64_t>(ids.size());
  for (int64_t id : ids)
    KDUP_CHECK(id >= 0 && id < images.shape()[0],
               "stage2: image id " << id << " outside the " << images.shape()[0] << " images");
  KDUP_CHECK(c.base.batch_size >= 2 && c.base.batch_size <= n,
             "stage2.batch_size: " << c.base.batch_size << " must lie in [2, " << n
                                   << "], the number of in-domain images (L_DL compares pairs)");
  KDUP_CHECK(
      c.base.epochs >= 1 && c.base.warmup_epochs >= 0 && c.base.warmup_epochs < c.base.epochs,
      "stage2: warmup_epochs = " << c.base.warmup_epochs
                                 << " must be below epochs = " << c.base.epochs);
  if (c.mode != "typical") {
    KDUP_CHECK(c.pairs.neighbours >= 1 && c.pairs.neighbours < n,
               "stage2.k_kd: K_kd = " << c.pairs.neighbours << " nearest neighbours need at least "
                                      << c.pairs.neighbours + 1 << " in-domain images, got " << n);
    KDUP_CHECK(c.pairs.num_clusters >= 2 && c.pairs.num_clusters <= n,
               "stage2.num_clusters: " << c.pairs.num_clusters << " clusters need 2 <= N_c <= " << n
                                       << ", the number of in-domain images");
    KDUP_CHECK(
        c.pairs.clustering == "kl" || c.pairs.clustering == "kmeans",
        "stage2.clustering: unknown clustering '" << c.pairs.clustering << "' (kl or kmeans)");
  }
  return c;
}

}  // namespace

void validate_stage2_config(const Stage2Config& config, const Tensor& images,
                            const std::vector<int64_t>& ids) {
  checked(config, images, ids);
}

namespace {

const Tensor* find_extra(const TrainingState& state, const std::string& name) {
  for (const auto& [key, t] : state.extra)
    if (key == name) return &t;
  return nullptr;
}

}  // namespace

Stage2Compute stage2_compute_per_epoch(const Stage2Config& config, int64_t num_images) {
  const int64_t anchors = steps_per_epoch(static_cast<size_t>(std::max<int64_t>(num_images, 0)),
                                          config.base.batch_size) *
                          config.base.batch_size;
  Stage2Compute compute;
  // typical: two views through g, the first through f (for L_DL); guided: anchor, positive and
  // negative through g, and through f as well when f's weights guide (only the anchors otherwise).
  compute.trained_images = (config.mode == "typical" ? 2 : 3) * anchors;
  compute.frozen_images = (config.mode == "guided_weighting" ? 3 : 1) * anchors;
  return compute;
}

Stage2Trainer::Stage2Trainer(const ContrastiveModel& f, ContrastiveModel& g,
                             const Stage2Config& config, Tensor images, std::vector<int64_t> ids,
                             Communicator& communicator)
    : f_(f),
      g_(g),
      communicator_(communicator),
      config_(checked(config, images, ids)),
      images_(images.to(config.base.device)),
      ids_(std::move(ids)),
      optimizer_(
          {{g.decayed_parameters(), config.base.weight_decay}, {g.undecayed_parameters(), 0.0}},
          config.base.lr, config.base.momentum),
      schedule_(config.base.lr,
                config.base.warmup_epochs * steps_per_epoch(ids_.size(), config.base.batch_size),
                config.base.epochs * steps_per_epoch(ids_.size(), config.base.batch_size),
                config.base.final_lr) {
  KDUP_CHECK(&f != &g, "stage2: f and g must be two networks (g is trained, f stays frozen)");
  KDUP_CHECK(!f.is_training(),
             "stage2: the frozen network f must be in eval mode (call eval() on it first), so "
             "that its batch-norm statistics never change");
  KDUP_CHECK(config_.base.batch_size % communicator_.size() == 0,
             "stage2.batch_size: " << config_.base.batch_size << " cannot be split evenly over "
                                   << communicator_.size() << " processes");
  g_.copy_from(f_);  // g starts as a copy of f (paper §3.2)
  broadcast_module(communicator_, g_);
  synchronise_batch_norm(g_, config_.base.sync_batch_norm ? &communicator_ : nullptr);
  state_.metadata["images_processed"] = "0";
  state_.metadata["frozen_images_processed"] = "0";
  state_.metadata["train_seconds"] = "0";
}

int64_t Stage2Trainer::images_processed() const {
  return std::stoll(state_.metadata.at("images_processed"));
}

int64_t Stage2Trainer::frozen_images_processed() const {
  return std::stoll(state_.metadata.at("frozen_images_processed"));
}

double Stage2Trainer::train_seconds() const {
  return std::stod(state_.metadata.at("train_seconds"));
}

Stage2Compute Stage2Trainer::compute_per_epoch() const {
  return stage2_compute_per_epoch(config_, static_cast<int64_t>(ids_.size()));
}

Tensor Stage2Trainer::embed_for_pairs() const {
  const bool projection = config_.pairs_embedding == "projection";
  Encoder encoder = [&](const Tensor& x) { return projection ? f_.project(x) : f_.features(x); };
  Tensor embeddings = embed_images_over_ranks(
      communicator_, encoder, images_, ids_, config_.base.views.plain,
      AugmentKey{config_.base.seed, 0, 0}, config_.embed_batch_size, config_.base.device);
  NoGradGuard no_grad;
  return l2_normalize(embeddings, 1);
}

const GuidedPairs& Stage2Trainer::pairs() {
  if (!pairs_ready_) {
    // Every rank embeds a share of D_ID; rank 0 builds the pairs once and the others receive them.
    const Tensor embeddings = embed_for_pairs();
    if (communicator_.is_root()) pairs_ = build_guided_pairs(embeddings, config_.pairs);
    if (communicator_.size() > 1) {
      NamedTensors built;
      if (communicator_.is_root())
        built = {{"neighbours", pairs_.neighbours},
                 {"clusters", pairs_.clusters},
                 {"farthest_cluster", pairs_.farthest_cluster}};
      broadcast_named_tensors(communicator_, built);
      pairs_ = make_guided_pairs(built[0].second, built[1].second, built[2].second);
    }
    pairs_ready_ = true;
  }
  return pairs_;
}

Tensor Stage2Trainer::views(const std::vector<int64_t>& positions, uint64_t view) const {
  std::vector<int64_t> image_ids;
  image_ids.reserve(positions.size());
  for (int64_t p : positions) image_ids.push_back(ids_[p]);
  const AugmentConfig& augment =
      config_.augmented_views ? config_.base.views.contrastive : config_.base.views.plain;
  const AugmentKey key{config_.base.seed, static_cast<uint64_t>(state_.epoch), view};
  return augment_batch(images_, image_ids, augment, key).to(config_.base.device);
}

Tensor Stage2Trainer::step_loss(const std::vector<int64_t>& anchors, Tensor& contrastive,
                                Tensor& distillation) {
  const int64_t b = static_cast<int64_t>(anchors.size());
  // Rows of this rank's anchors -> the rows of the whole batch (every rank's, in rank order): the
  // losses below are those of one process holding the whole batch.
  auto global = [&](const Tensor& rows) { return all_gather_rows(communicator_, rows); };
  // y_distilled: the anchors' rows of g as L_DL reads them (below).
  Tensor anchor_views = views(anchors, 0), contrast_loss, y_anchor, y_distilled, z_anchor;
  if (config_.mode == "typical") {
    // Two views of every anchor through g (one forward, so batch norm sees both) and NT-Xent.
    const Tensor y = g_.project(concat({anchor_views, views(anchors, 1)}, 0));
    y_anchor = y_distilled = global(y.slice(0, 0, b));
    contrast_loss = nt_xent_loss(y_anchor, global(y.slice(0, b, 2 * b)), config_.base.temperature);
    NoGradGuard no_grad;
    z_anchor = global(f_.project(anchor_views).detach());
  } else {
    // Anchor, positive and negative views through g; the same inputs through f.
    const AnchorPairs drawn = draw_anchor_pairs(pairs_, anchors, config_.base.seed, state_.epoch);
    Tensor inputs = concat({anchor_views, views(drawn.positives, 1), views(drawn.negatives, 2)}, 0);
    const Tensor y = g_.project(inputs);
    const bool weighting = config_.mode == "guided_weighting";
    Tensor z;
    {
      NoGradGuard no_grad;
      z = f_.project(weighting ? inputs : anchor_views).detach();
      z_anchor = global(z.slice(0, 0, b));
    }
    y_anchor = global(y.slice(0, 0, b));
    // L_DL reads the anchors through a gather of its own, so that the anchors' gradient in y sums
    // as (pull + push) + distillation: the order in which the runs of BENCHMARKS.md summed it. One
    // node for the three terms sums them in another order, which is rounding only, but moved the
    // linear All of `make demo` from 49.29 to 50.16.
    y_distilled = global(y.slice(0, 0, b));
    // Eq. 11; guided_sampling keeps the selection and drops the weights (w = 0).
    const int64_t batch = y_anchor.shape()[0];
    GuidanceWeights w{Tensor::zeros({batch}, y.dtype(), y.device()),
                      Tensor::zeros({batch}, y.dtype(), y.device())};
    if (weighting) {
      NoGradGuard no_grad;
      w = guidance_weights(z_anchor, global(z.slice(0, b, 2 * b)), global(z.slice(0, 2 * b, 3 * b)));
    }
    contrast_loss = guided_contrastive_loss(y_anchor, global(y.slice(0, b, 2 * b)),
                                            global(y.slice(0, 2 * b, 3 * b)), w.positive,
                                            w.negative);
  }
  // Eq. 12 over the anchors: g keeps f's pairwise cosine structure.
  Tensor distill_loss = distillation_loss(z_anchor, y_distilled);
  contrastive = contrast_loss;
  distillation = distill_loss;
  return contrast_loss + distill_loss * config_.beta;
}

Stage2EpochReport Stage2Trainer::train_epoch(const std::function<void(const StepReport&)>& on_step,
                                             const StopCheck& stop) {
  const auto start = std::chrono::steady_clock::now();
  if (guided()) pairs();
  g_.train();
  const int64_t n = static_cast<int64_t>(ids_.size()), batch = config_.base.batch_size;
  const int64_t steps = steps_per_epoch(ids_.size(), batch);
  const Stage2Compute compute = compute_per_epoch();
  const int64_t trained_per_step = compute.trained_images / steps;
  const std::vector<int64_t> order = epoch_permutation(n, config_.base.seed, state_.epoch);
  Stage2EpochReport report;
  for (int64_t step = totals_.steps; step < steps; ++step) {
    // This rank's slice of the step's batch of anchors (all of it in one process).
    const BatchShard shard{communicator_.rank(), communicator_.size()};
    const std::vector<int64_t> anchors =
        shard.slice_of({order.begin() + step * batch, order.begin() + (step + 1) * batch});
    const double lr = schedule_.lr_at(state_.step);
    optimizer_.set_lr(lr);
    optimizer_.zero_grad();
    Tensor contrastive, distillation;
    Tensor loss = step_loss(anchors, contrastive, distillation);
    loss.backward();
    all_reduce_gradients(communicator_, optimizer_);
    optimizer_.step();
    const StepValues values = read_step_values(
        {{"loss", loss}, {"contrastive", contrastive}, {"distillation", distillation}}, optimizer_,
        g_);
    check_step_finite("stage2", state_.epoch + 1, step + 1, steps, values);
    const double value = values.loss();
    totals_.add_step({value, values.term(1), values.term(2)}, trained_per_step);
    ++state_.step;
    if (on_step) on_step({state_.epoch, step, steps, value, lr, trained_per_step});
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
  report.images = totals_.images;
  report.seconds = seconds;
  if (report.stopped) {
    totals_.seconds = seconds;
    return report;
  }
  ++state_.epoch;
  report.frozen_images = compute.frozen_images;
  state_.metadata["images_processed"] = std::to_string(images_processed() + report.images);
  state_.metadata["frozen_images_processed"] =
      std::to_string(frozen_images_processed() + report.frozen_images);
  report.epoch = state_.epoch;
  report.loss = totals_.mean_loss(0);
  report.contrastive_loss = totals_.mean_loss(1);
  report.distillation_loss = totals_.mean_loss(2);
  state_.metadata["train_seconds"] = std::to_string(train_seconds() + report.seconds);
  totals_ = EpochTotals(3);
  return report;
}

void Stage2Trainer::save(const std::string& path) const {
  TrainingState state = state_;
  state.metadata["method"] = kMethod;
  state.metadata["stage2_mode"] = config_.mode;
  if (pairs_ready_) {
    state.extra.emplace_back("stage2.neighbours", pairs_.neighbours);
    state.extra.emplace_back("stage2.clusters", pairs_.clusters);
    state.extra.emplace_back("stage2.farthest_cluster", pairs_.farthest_cluster);
  }
  totals_.write(state.metadata);
  save_checkpoint(path, g_, optimizer_, state);
}

void Stage2Trainer::restore(const std::string& path) {
  TrainingState loaded = load_checkpoint(path, g_, &optimizer_);
  const auto method = loaded.metadata.find("method");
  KDUP_CHECK(method != loaded.metadata.end() && method->second == kMethod,
             path << ": not a stage-2 checkpoint (method '"
                  << (method == loaded.metadata.end() ? "" : method->second) << "')");
  KDUP_CHECK(loaded.metadata["stage2_mode"] == config_.mode,
             path << ": checkpoint of stage-2 mode '" << loaded.metadata["stage2_mode"]
                  << "', the config asks for '" << config_.mode << "'");
  const Tensor* neighbours = find_extra(loaded, "stage2.neighbours");
  const Tensor* clusters = find_extra(loaded, "stage2.clusters");
  const Tensor* farthest = find_extra(loaded, "stage2.farthest_cluster");
  if (neighbours && clusters && farthest) {
    GuidedPairs restored = make_guided_pairs(*neighbours, *clusters, *farthest);
    KDUP_CHECK(restored.clusters.shape()[0] == static_cast<int64_t>(ids_.size()) &&
                   restored.neighbours.shape()[1] == config_.pairs.neighbours,
               path << ": pairs state for " << restored.clusters.shape()[0]
                    << " images and K_kd = " << restored.neighbours.shape()[1] << ", the run has "
                    << ids_.size() << " images and K_kd = " << config_.pairs.neighbours);
    pairs_ = std::move(restored);
    pairs_ready_ = true;
  } else {
    // Without the state the pairs would be recomputed from f: an exact resume must not rely on it.
    KDUP_CHECK(!guided() || loaded.epoch == 0,
               path << ": stage-2 checkpoint after " << loaded.epoch
                    << " epochs lacks the positive/negative selection state");
    pairs_ready_ = false;
  }
  totals_ = EpochTotals::take(loaded.metadata, 3);
  state_ = loaded;
  state_.extra.clear();  // the pairs live in pairs_ and are written afresh by save
  for (const char* key : {"images_processed", "frozen_images_processed", "train_seconds"})
    if (!state_.metadata.count(key)) state_.metadata[key] = "0";
}

}  // namespace kdup
