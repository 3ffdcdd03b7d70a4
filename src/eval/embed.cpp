#include "eval/embed.h"

#include <algorithm>

#include "autograd/grad_mode.h"
#include "ops/indexing.h"

namespace kdup {

Tensor embed_images(const Encoder& encoder, const Tensor& images, const std::vector<int64_t>& ids,
                    const AugmentConfig& augment, const AugmentKey& key, int64_t batch_size,
                    Device device) {
  KDUP_CHECK(batch_size > 0, "embed_images: batch size must be positive, got " << batch_size);
  NoGradGuard no_grad;
  std::vector<Tensor> chunks;
  for (size_t start = 0; start < ids.size(); start += batch_size) {
    const size_t end = std::min(ids.size(), start + static_cast<size_t>(batch_size));
    std::vector<int64_t> batch(ids.begin() + start, ids.begin() + end);
    Tensor x = augment_batch(images, batch, augment, key).to(device);
    chunks.push_back(encoder(x).to(Device::cpu).contiguous());
  }
  KDUP_CHECK(!chunks.empty(), "embed_images: no images to embed");
  return chunks.size() == 1 ? chunks.front() : concat(chunks, 0);
}

Tensor embed_images_over_ranks(Communicator& communicator, const Encoder& encoder,
                               const Tensor& images, const std::vector<int64_t>& ids,
                               const AugmentConfig& augment, const AugmentKey& key,
                               int64_t batch_size, Device device) {
  const auto n = static_cast<int64_t>(ids.size()), ranks = int64_t{communicator.size()};
  if (ranks == 1 || n == 0)
    return embed_images(encoder, images, ids, augment, key, batch_size, device);
  // Equal shares for the all-gather: the last ranks' shares are filled up with ids[0], whose rows
  // land after the n real ones and are cut off.
  const int64_t share = (n + ranks - 1) / ranks;
  std::vector<int64_t> mine(static_cast<size_t>(share), ids[0]);
  const int64_t begin = std::min(n, communicator.rank() * share);
  const int64_t end = std::min(n, begin + share);
  std::copy(ids.begin() + begin, ids.begin() + end, mine.begin());
  const Tensor features = embed_images(encoder, images, mine, augment, key, batch_size, device);
  return communicator.all_gather_rows(features).slice(0, 0, n).contiguous();
}

}  // namespace kdup
