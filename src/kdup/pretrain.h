// Contrastive pre-training of the baselines (METHOD.md §3, §4): SimCLR, and SDCLR with its pruned
// branch, with the ancestors' optimiser (SGD, momentum, weight decay on weights only) and schedule
// (linear warm-up, then cosine, stepped per iteration).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "data/augment.h"
#include "dist/communicator.h"
#include "kdup/checkpoint.h"
#include "kdup/contrastive_model.h"
#include "kdup/epoch_totals.h"
#include "nn/lr_schedule.h"

namespace kdup {

struct PretrainConfig {
  std::string method = "simclr";  // simclr | sdclr
  int64_t epochs = 2000;
  int64_t batch_size = 512;
  double lr = 0.5;
  double momentum = 0.9;
  double weight_decay = 1e-4;
  int64_t warmup_epochs = 10;
  double final_lr = 1e-6;
  double temperature = 0.2;
  double prune_ratio = 0.9;  // SDCLR
  bool sync_batch_norm = false;  // over several processes: batch statistics of the global batch
  uint64_t seed = 0;
  Device device = Device::cpu;
  AugmentViews views = cifar_views();  // the data's contrastive and plain views
};

struct StepReport {
  int64_t epoch = 0, step = 0, steps = 0;  // epoch is 0-based while running
  double loss = 0, lr = 0;
  int64_t images = 0;  // images passed forward and backward in this step
};

struct EpochReport {
  int64_t epoch = 0;  // 1-based: the number of epochs completed
  double loss = 0;    // mean over the epoch's steps
  double lr = 0;      // at the epoch's last step
  double seconds = 0;
  int64_t images = 0;  // forward+backward images this epoch
  bool stopped = false;  // stopped at a step boundary before its end (epoch: those completed)
};

// Asked after every step of an epoch but its last: true stops the epoch there (a signal).
using StopCheck = std::function<bool()>;

class Pretrainer {
 public:
  // Over several processes (`communicator` of size N): batch_size is the global batch, each rank
  // trains on its slice of every batch, NT-Xent sees the whole batch (dist/all_gather.h), and the
  // gradients are summed over the ranks: the same steps as one process (nn/data_parallel.h). The
  // model starts from rank 0's values.
  Pretrainer(ContrastiveModel& model, const PretrainConfig& config, Tensor images,
             std::vector<int64_t> ids, Communicator& communicator = single_process());
  int64_t epochs_done() const { return state_.epoch; }
  int64_t epoch_steps_done() const { return totals_.steps; }  // within an unfinished epoch
  int64_t images_processed() const;  // forward+backward images so far, resumed runs included
  double train_seconds() const;       // wall time of the training epochs so far
  // One epoch, or the rest of one that a checkpoint stopped within. Every step is checked for
  // divergence (kdup/divergence.h). When `stop` says so after a step, the epoch stops there with
  // report.stopped set: save() then writes a checkpoint from which the epoch continues exactly.
  EpochReport train_epoch(const std::function<void(const StepReport&)>& on_step,
                          const StopCheck& stop = nullptr);
  void save(const std::string& path) const;
  void restore(const std::string& path);

 private:
  ContrastiveModel& model_;
  PretrainConfig config_;
  Communicator& communicator_;
  Tensor images_;
  std::vector<int64_t> ids_;
  SGD optimizer_;
  WarmupCosineSchedule schedule_;
  TrainingState state_;
  EpochTotals totals_;
};

}  // namespace kdup
