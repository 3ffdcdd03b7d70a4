// Stage 1 of KDUP (METHOD.md §1) and the baselines that share its loop (METHOD.md §4: COLT, the
// strong baseline, augmented-instead-of-OOD, random sampling): base-method training on D_ID for the
// warm-up, then every T epochs a refresh (kdup/stage1_refresh.h) and training on the merged set
// D = D_ID ∪ D_s^OOD with the stage-1 losses. The optimiser, schedule, SDCLR branch and checkpoint
// layout are those of the Pretrainer; a run resumed from a checkpoint reaches exactly the
// parameters and method state of an unbroken run.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "data/loader.h"
#include "kdup/checkpoint.h"
#include "kdup/contrastive_model.h"
#include "kdup/pretrain.h"
#include "kdup/stage1_config.h"
#include "kdup/stage1_refresh.h"
#include "nn/lr_schedule.h"

namespace kdup {

struct Stage1EpochReport {
  int64_t epoch = 0;            // 1-based: the number of epochs completed
  bool merged = false;          // trained on D_ID ∪ D_s^OOD (false: warm-up on D_ID)
  double loss = 0;              // mean total loss over the epoch's steps
  double contrastive_loss = 0;  // mean NT-Xent or L_PSD term
  double domain_loss = 0;       // mean weighted domain term (alpha·L_DD or sup_weight·SupCon)
  double lr = 0;                // at the epoch's last step
  double seconds = 0;           // training and refresh
  int64_t images = 0;           // forward+backward images this epoch
  std::optional<RefreshReport> refresh;  // when a refresh ran before this epoch's steps
  bool stopped = false;  // stopped at a step boundary before its end (epoch: those completed)
};

class Stage1Trainer {
 public:
  // id_images: uint8 [*, H, W, 3], of which the rows id_ids form D_ID; pool_images: uint8
  // [P, H, W, 3], the OOD pool (unused, and may be empty, for sampling augmented / none).
  // id_labels: optional true labels of D_ID (aligned with id_ids), for the refresh diagnosis only;
  // class_groups: the Many (0) / Medium (1) / Few (2) group of every class (empty: the thirds of
  // the D_ID class counts).
  // Bad sizes (an empty pool, N_b above the pool, K or N_c above D_ID, ...) are errors here.
  // Over several processes (`communicator` of size N) each rank trains on its slice of every
  // batch, the losses see the whole batch and the gradients are summed over the ranks, as in
  // Pretrainer; a refresh shares its embedding passes out among the ranks and rank 0 takes its
  // decisions for all (kdup/stage1_refresh.h).
  Stage1Trainer(ContrastiveModel& model, const Stage1Config& config, Tensor id_images,
                std::vector<int64_t> id_ids, Tensor pool_images,
                std::vector<int64_t> id_labels = {}, std::vector<int> class_groups = {},
                Communicator& communicator = single_process());

  int64_t epochs_done() const { return state_.epoch; }
  int64_t epoch_steps_done() const { return totals_.steps; }  // within an unfinished epoch
  int64_t images_processed() const;  // forward+backward images so far, resumed runs included
  double train_seconds() const;
  const Stage1MethodState& method_state() const { return method_; }

  // One epoch: a refresh first when one is due (the first epoch after the warm-up and every
  // refresh_every epochs after it), then the epoch's steps. Every step is checked for divergence
  // (kdup/divergence.h); `stop` may end the epoch at a step boundary, as Pretrainer::train_epoch,
  // and the rest of such an epoch (after a save and restore) runs without its refresh again.
  Stage1EpochReport train_epoch(const std::function<void(const StepReport&)>& on_step,
                                const StopCheck& stop = nullptr);
  void save(const std::string& path) const;
  void restore(const std::string& path);

 private:
  bool refresh_due() const;
  int64_t merged_size() const;
  void build_merged_images();
  // One step's loss and terms, and COLT's batch scores when its tailness is on (else undefined).
  Tensor train_step(const TwoViewBatch& batch, bool merged, Tensor& contrastive, Tensor& domain,
                    Tensor& colt_scores);
  void fold_colt_scores(const TwoViewBatch& batch, const std::vector<double>& scores);

  ContrastiveModel& model_;
  Communicator& communicator_;
  Stage1Config config_;
  Stage1Data data_;
  Tensor id_images_on_device_;
  Tensor merged_images_;  // uint8 [N_id + N_b, H, W, 3]: D_ID, then the selected extra samples
  std::vector<int64_t> positive_lists_host_;  // method_.positives, row-major, for the batches
  SGD optimizer_;
  WarmupCosineSchedule schedule_;
  TrainingState state_;
  EpochTotals totals_{3};  // loss sums: total, contrastive, domain
  Stage1MethodState method_;
};

}  // namespace kdup
