// The training loader: yields batches of two augmented views of shuffled samples, preparing the next
// batch on a background thread while the current one trains.
#pragma once
#include <future>
#include <vector>

#include "data/augment.h"

namespace kdup {

struct TwoViewBatch {
  std::vector<int64_t> ids;         // indices into the image set
  std::vector<int64_t> global_ids;  // those of the whole global batch (ids: this rank's slice)
  Tensor view1, view2;              // float32 [B, 3, S, S] on the loader's device
};

// This process's part of every global batch in data-parallel training: rank r of `ranks` takes the
// r-th of `ranks` equal, contiguous slices, so the ranks' slices in rank order are the global
// batch of one process. The default is the whole batch.
struct BatchShard {
  int rank = 0, ranks = 1;
  // This shard's slice of a global batch (its size a multiple of ranks).
  std::vector<int64_t> slice_of(const std::vector<int64_t>& batch) const {
    const auto size = static_cast<int64_t>(batch.size()) / ranks;
    return {batch.begin() + rank * size, batch.begin() + (rank + 1) * size};
  }
};

// A seeded permutation of 0..n-1 for one epoch (Fisher–Yates on Philox draws): the order depends on
// (seed, epoch) only, so a resumed run sees the same batches.
std::vector<int64_t> epoch_permutation(int64_t n, uint64_t seed, int64_t epoch);

// 0, 1, ..., n-1: every sample, in order.
std::vector<int64_t> all_indices(int64_t n);

class TwoViewLoader {
 public:
  // Iterates over `ids` in the epoch's order, in batches of batch_size (the last partial batch is
  // dropped, as the contrastive recipes do). `views` gives the augmentation of each view.
  // first_batch > 0 starts the epoch there (a run resumed at a step boundary): the batches before
  // it are skipped without being made, the later ones are those of the whole epoch. With a shard,
  // batch_size is the global batch and each batch holds the shard's slice of it (augmented as in
  // one process: a view depends on the sample id, not on where it is made).
  TwoViewLoader(const Tensor& images, std::vector<int64_t> ids, int64_t batch_size,
                AugmentConfig augment, uint64_t seed, int64_t epoch, Device device,
                int64_t first_batch = 0, BatchShard shard = {});
  ~TwoViewLoader();
  int64_t batches() const { return batches_; }
  // The next batch, or false at the end of the epoch.
  bool next(TwoViewBatch& batch);

 private:
  TwoViewBatch make_batch(int64_t b) const;

  Tensor images_;
  std::vector<int64_t> order_;
  int64_t batch_size_, batches_, next_batch_ = 0;
  BatchShard shard_;
  AugmentConfig augment_;
  AugmentKey key_;
  Device device_;
  std::future<TwoViewBatch> prefetch_;
};

}  // namespace kdup
