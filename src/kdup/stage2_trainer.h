// KDUP stage 2 (METHOD.md §2; paper §3.2): guided contrastive learning with distillation. The
// stage-1 network f is frozen; g starts as a copy of f and is trained on D_ID with
//   L_GL = L_GCL + beta * L_DL                      (paper Eqs. 11 and 12)
// where each anchor's positive (one of its K_kd nearest neighbours under f) and negative (a member
// of the cluster farthest from its own under f) come from kdup/guided_pairs.h, and the guidance
// weights w_pos = cos(z_i, z_i^p), w_neg = cos(z_i, z_i^n) from f's projections z.
// The optimiser and schedule are the stage-1 recipe of kdup/pretrain.h (METHOD.md §2 [choice]),
// the warm-up and cosine running over stage 2's own epochs.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "data/augment.h"
#include "kdup/guided_pairs.h"
#include "kdup/pretrain.h"

namespace kdup {

struct Stage2Config {
  // The loss, paper Table 6:
  //   typical          NT-Xent between two views of each anchor + beta * L_DL
  //   guided_sampling  L_GCL with w_pos = w_neg = 0      + beta * L_DL
  //   guided_weighting L_GCL with f's guidance weights   + beta * L_DL  (the method)
  std::string mode = "guided_weighting";
  double beta = 0.4;
  // [choice] y and z computed on augmented views (anchor, positive and negative each augmented
  // with its own random stream); off: the plain images.
  bool augmented_views = true;  // with base.views.contrastive
  GuidedPairsConfig pairs;  // K_kd, N_c, the clustering
  // [choice] the embedding of f that the pairs are computed from: "projection" (z, as METHOD.md's
  // notation) or "features" (the backbone output); L2-normalised either way, so the clustering in
  // L2 and the cosine neighbours see the same geometry.
  std::string pairs_embedding = "projection";
  int64_t embed_batch_size = 256;  // images per batch of the embedding pass
  // Optimiser, schedule, seed and device, as stage 1's (its method and prune ratio are unused;
  // its temperature is the NT-Xent's of the typical mode). base.seed orders the epochs and keys
  // the augmentation and the positive/negative draws.
  PretrainConfig base = [] {
    PretrainConfig p;
    p.epochs = 500;
    return p;
  }();
};

struct Stage2EpochReport : EpochReport {
  double contrastive_loss = 0;   // mean L_GCL (NT-Xent in the typical mode)
  double distillation_loss = 0;  // mean L_DL
  int64_t frozen_images = 0;     // images through f this epoch (forward only, no gradient)
};

// The compute of one stage-2 epoch over num_images in-domain images (METHOD.md §2b): images passed
// forward and backward through g (anchors, positives and negatives; two views in the typical mode)
// and images passed forward through the frozen f. The one-time embedding pass of f over D_ID
// (num_images forwards) is not included.
struct Stage2Compute {
  int64_t trained_images = 0;
  int64_t frozen_images = 0;
};
Stage2Compute stage2_compute_per_epoch(const Stage2Config& config, int64_t num_images);

// Throws kdup::Error naming the key when a setting is unknown or does not fit the data (images
// uint8 [N, H, W, 3], ids the in-domain images): what the trainer checks before any model work,
// callable before stage 1 spends its time.
void validate_stage2_config(const Stage2Config& config, const Tensor& images,
                            const std::vector<int64_t>& ids);

class Stage2Trainer {
 public:
  // f: the frozen stage-1 network, in eval mode (checked); it is only ever run forward without a
  // gradient. g: the trained network, of f's structure; its values are copied from f here.
  // images: uint8 [N, H, W, 3]; ids: the in-domain images of D_ID. Bad settings (K_kd or N_c
  // too large for the data, an unknown mode) are errors here, before any training. Over several
  // processes (`communicator` of size N) each rank trains on its slice of every batch of anchors,
  // the losses see the whole batch (dist/all_gather.h) and the gradients are summed over the ranks,
  // as in Pretrainer; the ranks share the embedding pass of the pairs out among them and rank 0
  // builds the pairs for all. f must be the same network on every rank.
  Stage2Trainer(const ContrastiveModel& f, ContrastiveModel& g, const Stage2Config& config,
                Tensor images, std::vector<int64_t> ids,
                Communicator& communicator = single_process());

  int64_t epochs_done() const { return state_.epoch; }
  int64_t epoch_steps_done() const { return totals_.steps; }  // within an unfinished epoch
  int64_t images_processed() const;         // forward+backward images through g so far
  int64_t frozen_images_processed() const;  // forward images through f so far
  double train_seconds() const;             // wall time of the training epochs so far
  Stage2Compute compute_per_epoch() const;  // stage2_compute_per_epoch for this run

  // The positive/negative selection state, computed from f on first use (training calls it; the
  // typical mode never needs it) or restored from a checkpoint.
  const GuidedPairs& pairs();

  // One epoch, or the rest of one stopped within; divergence checks and `stop` as
  // Pretrainer::train_epoch.
  Stage2EpochReport train_epoch(const std::function<void(const StepReport&)>& on_step,
                                const StopCheck& stop = nullptr);
  // The checkpoint holds g, the optimiser, the epoch and step, and the pairs state (neighbour
  // lists, cluster assignments, farthest clusters) once computed, so a resumed run is exact.
  void save(const std::string& path) const;
  void restore(const std::string& path);

 private:
  bool guided() const { return config_.mode != "typical"; }
  Tensor embed_for_pairs() const;
  // L_GL = L_GCL + beta L_DL of one minibatch of anchor positions, and its two terms.
  Tensor step_loss(const std::vector<int64_t>& anchors, Tensor& contrastive, Tensor& distillation);
  Tensor views(const std::vector<int64_t>& positions, uint64_t view) const;

  const ContrastiveModel& f_;
  ContrastiveModel& g_;
  Communicator& communicator_;
  Stage2Config config_;
  Tensor images_;
  std::vector<int64_t> ids_;
  SGD optimizer_;
  WarmupCosineSchedule schedule_;
  TrainingState state_;
  EpochTotals totals_{3};  // loss sums: total, contrastive, distillation
  GuidedPairs pairs_;
  bool pairs_ready_ = false;
};

}  // namespace kdup
