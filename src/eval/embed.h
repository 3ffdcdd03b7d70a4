// Embedding passes: images through an encoder in evaluation mode, batch by batch, so memory stays
// bounded however large the image set (a 300K-image OOD pool included).
#pragma once
#include <functional>
#include <vector>

#include "data/augment.h"
#include "dist/communicator.h"

namespace kdup {

using Encoder = std::function<Tensor(const Tensor& images)>;

// Features [ids.size(), D] (float32, CPU) of the images picked by ids. The encoder receives float32
// [B, 3, S, S] batches on `device`, prepared by `augment` with `key`; it runs under NoGradGuard.
Tensor embed_images(const Encoder& encoder, const Tensor& images, const std::vector<int64_t>& ids,
                    const AugmentConfig& augment, const AugmentKey& key, int64_t batch_size,
                    Device device);

// embed_images over the ranks of a data-parallel run: each rank embeds a contiguous share of ids
// and every rank receives the features of all of them, in the order of ids. A row's features do
// not depend on which rank embedded it (evaluation mode; the ranks hold the same network).
Tensor embed_images_over_ranks(Communicator& communicator, const Encoder& encoder,
                               const Tensor& images, const std::vector<int64_t>& ids,
                               const AugmentConfig& augment, const AugmentKey& key,
                               int64_t batch_size, Device device);

}  // namespace kdup
