#include "data/loader.h"

#include <omp.h>

#include "tensor/philox.h"

namespace kdup {

std::vector<int64_t> epoch_permutation(int64_t n, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> order(n);
  for (int64_t i = 0; i < n; ++i) order[i] = i;
  for (int64_t i = n - 1; i > 0; --i) {
    const auto j = static_cast<int64_t>(philox_uniform(seed, 0x5eed0000 + epoch, i) * (i + 1));
    std::swap(order[i], order[std::min(j, i)]);
  }
  return order;
}

std::vector<int64_t> all_indices(int64_t n) {
  std::vector<int64_t> ids(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) ids[i] = i;
  return ids;
}

TwoViewLoader::TwoViewLoader(const Tensor& images, std::vector<int64_t> ids, int64_t batch_size,
                             AugmentConfig augment, uint64_t seed, int64_t epoch, Device device,
                             int64_t first_batch, BatchShard shard)
    : images_(images),
      batch_size_(batch_size),
      shard_(shard),
      augment_(std::move(augment)),
      key_{seed, static_cast<uint64_t>(epoch), 0},
      device_(device) {
  KDUP_CHECK(batch_size > 0 && static_cast<int64_t>(ids.size()) >= batch_size,
             "loader: batch size " << batch_size << " needs at least that many samples, got "
                                   << ids.size());
  KDUP_CHECK(shard.ranks >= 1 && shard.rank >= 0 && shard.rank < shard.ranks &&
                 batch_size % shard.ranks == 0,
             "loader: a global batch of " << batch_size << " cannot be split evenly over "
                                          << shard.ranks << " processes");
  const std::vector<int64_t> perm = epoch_permutation(static_cast<int64_t>(ids.size()), seed, epoch);
  order_.reserve(ids.size());
  for (int64_t p : perm) order_.push_back(ids[p]);
  batches_ = static_cast<int64_t>(order_.size()) / batch_size;
  KDUP_CHECK(first_batch >= 0 && first_batch <= batches_,
             "loader: first batch " << first_batch << " outside the epoch's " << batches_);
  next_batch_ = first_batch;
  if (next_batch_ < batches_)
    prefetch_ = std::async(std::launch::async, [this, b = next_batch_] { return make_batch(b); });
}

TwoViewLoader::~TwoViewLoader() {
  if (prefetch_.valid()) prefetch_.wait();
}

TwoViewBatch TwoViewLoader::make_batch(int64_t b) const {
  // The prefetch thread works alone: an OpenMP team of its own would compete for the cores the
  // training step is using.
  omp_set_num_threads(1);
  TwoViewBatch batch;
  batch.global_ids.assign(order_.begin() + b * batch_size_, order_.begin() + (b + 1) * batch_size_);
  batch.ids = shard_.slice_of(batch.global_ids);
  AugmentKey key = key_;
  key.view = 0;
  batch.view1 = augment_batch(images_, batch.ids, augment_, key).to(device_);
  key.view = 1;
  batch.view2 = augment_batch(images_, batch.ids, augment_, key).to(device_);
  return batch;
}

bool TwoViewLoader::next(TwoViewBatch& batch) {
  if (next_batch_ >= batches_) return false;
  batch = prefetch_.get();
  ++next_batch_;
  if (next_batch_ < batches_)
    prefetch_ = std::async(std::launch::async, [this, b = next_batch_] { return make_batch(b); });
  return true;
}

}  // namespace kdup
