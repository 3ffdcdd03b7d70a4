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

}  // namespace kdup
