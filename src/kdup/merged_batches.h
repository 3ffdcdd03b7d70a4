// Minibatches of stage 1 (METHOD.md §1, "Every step trains f on minibatches of the merged set"):
// which samples each batch of an epoch holds, and a loader that turns such a plan into two
// augmented views per sample, preparing the next batch on a background thread.
#pragma once
#include <future>
#include <vector>

#include "data/augment.h"
#include "data/loader.h"

namespace kdup {

using BatchPlan = std::vector<std::vector<int64_t>>;  // per batch: sample positions

// The batches of TwoViewLoader: the epoch's permutation of 0..n-1 cut into n / batch_size batches
// (the last partial batch dropped).
BatchPlan random_batch_plan(int64_t n, int64_t batch_size, uint64_t seed, int64_t epoch);

// The recommended construction of METHOD.md §1: each batch holds batch_size / 2 anchors, taken in
// the order of the epoch's permutation, and for each anchor one of its K_pos neighbours drawn
// uniformly (Philox under seed and epoch), so every L_PSD positive is a live row of the batch.
// A batch never holds one sample twice: when the drawn neighbour is already in the batch the next
// ones of the list are tried in turn, and when all are, the next sample of the permutation after
// the epoch's anchors that is not in the batch takes the place. An epoch has n / batch_size
// batches, as many images as a random-plan epoch: n / 2 samples are anchors in each epoch.
// positives: int64 [n, K_pos] sample positions; batch_size even, 2 <= batch_size <= n.
BatchPlan anchor_neighbour_batch_plan(const Tensor& positives, int64_t batch_size, uint64_t seed,
                                      int64_t epoch);

class PlannedTwoViewLoader {
 public:
  // images: uint8 [N, H, W, 3]; sample_ids[p] is the image (and random stream) of plan position p,
  // or empty when positions are image indices. The views use AugmentKey{seed, epoch, 0 / 1}.
  // With a shard, each batch holds the shard's slice of the plan's batch (data/loader.h).
  PlannedTwoViewLoader(const Tensor& images, std::vector<int64_t> sample_ids, BatchPlan plan,
                       AugmentConfig augment, uint64_t seed, int64_t epoch, Device device,
                       BatchShard shard = {});
  ~PlannedTwoViewLoader();
  int64_t batches() const { return static_cast<int64_t>(plan_.size()); }
  // The next batch (ids: plan positions), or false at the end of the epoch.
  bool next(TwoViewBatch& batch);

 private:
  TwoViewBatch make_batch(int64_t b) const;

  Tensor images_;
  std::vector<int64_t> sample_ids_;
  BatchPlan plan_;
  AugmentConfig augment_;
  AugmentKey key_;
  Device device_;
  BatchShard shard_;
  int64_t next_batch_ = 0;
  std::future<TwoViewBatch> prefetch_;
};

}  // namespace kdup
