#include "kdup/merged_batches.h"

#include <omp.h>

#include <algorithm>

#include "tensor/philox.h"

namespace kdup {

BatchPlan random_batch_plan(int64_t n, int64_t batch_size, uint64_t seed, int64_t epoch) {
  KDUP_CHECK(
      batch_size > 0 && n >= batch_size,
      "batch plan: batch size " << batch_size << " needs at least that many samples, got " << n);
  const std::vector<int64_t> order = epoch_permutation(n, seed, epoch);
  BatchPlan plan(static_cast<size_t>(n / batch_size));
  for (size_t b = 0; b < plan.size(); ++b)
    plan[b].assign(order.begin() + b * batch_size, order.begin() + (b + 1) * batch_size);
  return plan;
}

BatchPlan anchor_neighbour_batch_plan(const Tensor& positives, int64_t batch_size, uint64_t seed,
                                      int64_t epoch) {
  KDUP_CHECK(positives.dim() == 2 && positives.dtype() == DType::i64 && positives.size(1) >= 1,
             "anchor_neighbour batches: positives must be int64 [n, K_pos], got "
                 << shape_str(positives.shape()));
  const int64_t n = positives.size(0), k_pos = positives.size(1);
  KDUP_CHECK(
      batch_size >= 2 && batch_size % 2 == 0 && batch_size <= n,
      "anchor_neighbour batches: batch size " << batch_size << " must be even and at most " << n);
  const std::vector<int64_t> lists = positives.to(Device::cpu).to_vector<int64_t>();
  const std::vector<int64_t> order = epoch_permutation(n, seed, epoch);
  const int64_t batches = n / batch_size, half = batch_size / 2;
  const int64_t anchors_total = batches * half;
  std::vector<int64_t> in_batch(static_cast<size_t>(n), -1);  // the batch a sample was put in
  BatchPlan plan(static_cast<size_t>(batches));
  int64_t spare = anchors_total;  // cursor over the permutation after the anchors, wrapping
  for (int64_t b = 0; b < batches; ++b) {
    std::vector<int64_t>& batch = plan[b];
    for (int64_t a = 0; a < half; ++a) {
      const int64_t anchor = order[b * half + a];
      batch.push_back(anchor);
      in_batch[anchor] = b;
    }
    for (int64_t a = 0; a < half; ++a) {
      const int64_t anchor = batch[a];
      const uint64_t draw = static_cast<uint64_t>(b * half + a);
      const auto first = std::min<int64_t>(
          static_cast<int64_t>(philox_uniform(seed, 0xa9c40000 + epoch, draw) * k_pos), k_pos - 1);
      int64_t chosen = -1;
      for (int64_t t = 0; t < k_pos && chosen < 0; ++t) {
        const int64_t candidate = lists[anchor * k_pos + (first + t) % k_pos];
        if (in_batch[candidate] != b) chosen = candidate;
      }
      while (chosen < 0) {  // terminates: fewer than batch_size <= n samples are in the batch
        const int64_t candidate = order[spare];
        spare = (spare + 1) % n;
        if (in_batch[candidate] != b) chosen = candidate;
      }
      batch.push_back(chosen);
      in_batch[chosen] = b;
    }
  }
  return plan;
}

PlannedTwoViewLoader::PlannedTwoViewLoader(const Tensor& images, std::vector<int64_t> sample_ids,
                                           BatchPlan plan, AugmentConfig augment, uint64_t seed,
                                           int64_t epoch, Device device, BatchShard shard)
    : images_(images),
      sample_ids_(std::move(sample_ids)),
      plan_(std::move(plan)),
      augment_(std::move(augment)),
      key_{seed, static_cast<uint64_t>(epoch), 0},
      device_(device),
      shard_(shard) {
  for (const std::vector<int64_t>& batch : plan_)
    KDUP_CHECK(static_cast<int64_t>(batch.size()) % shard_.ranks == 0,
               "loader: a batch of " << batch.size() << " cannot be split evenly over "
                                     << shard_.ranks << " processes");
  if (!plan_.empty()) prefetch_ = std::async(std::launch::async, [this] { return make_batch(0); });
}

PlannedTwoViewLoader::~PlannedTwoViewLoader() {
  if (prefetch_.valid()) prefetch_.wait();
}

TwoViewBatch PlannedTwoViewLoader::make_batch(int64_t b) const {
  // The prefetch thread works alone, as in TwoViewLoader: the training step owns the cores.
  omp_set_num_threads(1);
  TwoViewBatch batch;
  batch.global_ids = plan_[b];
  batch.ids = shard_.slice_of(batch.global_ids);
  std::vector<int64_t> images = batch.ids;
  if (!sample_ids_.empty())
    for (int64_t& id : images) id = sample_ids_[id];
  AugmentKey key = key_;
  key.view = 0;
  batch.view1 = augment_batch(images_, images, augment_, key).to(device_);
  key.view = 1;
  batch.view2 = augment_batch(images_, images, augment_, key).to(device_);
  return batch;
}

bool PlannedTwoViewLoader::next(TwoViewBatch& batch) {
  if (next_batch_ >= batches()) return false;
  batch = prefetch_.get();
  ++next_batch_;
  if (next_batch_ < batches())
    prefetch_ = std::async(std::launch::async, [this, b = next_batch_] { return make_batch(b); });
  return true;
}

}  // namespace kdup
