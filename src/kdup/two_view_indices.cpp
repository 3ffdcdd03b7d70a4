#include "kdup/two_view_indices.h"

#include <map>
#include <mutex>
#include <utility>

#include "autograd/grad_mode.h"
#include "ops/ops.h"

namespace kdup {

const TwoViewIndices& two_view_indices(int64_t batch, Device device) {
  KDUP_CHECK(batch >= 1, "two_view_indices: batch must be positive, got " << batch);
  // Never destroyed: CUDA tensors must not be freed after the CUDA runtime at exit.
  static auto* cache = new std::map<std::pair<int64_t, Device>, TwoViewIndices>();
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  const auto key = std::make_pair(batch, device);
  auto found = cache->find(key);
  if (found != cache->end()) return found->second;

  NoGradGuard no_grad;
  const int64_t rows = 2 * batch;
  const Tensor row = Tensor::arange(rows, DType::i64, device);
  TwoViewIndices indices;
  indices.partner = concat({row.slice(0, batch, rows), row.slice(0, 0, batch)}, 0);
  indices.self_mask = eq(row.reshape({rows, 1}), row.reshape({1, rows}));
  indices.partner_mask = eq(indices.partner.reshape({rows, 1}), row.reshape({1, rows}));
  return cache->emplace(key, std::move(indices)).first->second;
}

}  // namespace kdup
