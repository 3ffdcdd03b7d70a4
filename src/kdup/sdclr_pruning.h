// SDCLR's self-damaging branch (Jiang et al., 2021): a copy of the network that shares the dense
// weights through a mask from global magnitude pruning, recomputed from the dense weights at the
// start of every epoch (METHOD.md §4.2).
#pragma once
#include <vector>

#include "nn/layers.h"
#include "nn/module.h"

namespace kdup {

// Masks every convolution so that the fraction `ratio` of all convolution weights with the smallest
// magnitudes (one threshold over the whole network) is zero in branch 1. Returns the threshold.
double prune_by_global_magnitude(const std::vector<std::shared_ptr<Conv2d>>& convolutions,
                                 double ratio);

// The masks as uint8 tensors "sdclr.mask.N", for a checkpoint written within an epoch: they come
// from the weights at the epoch's start, which later steps have changed. Empty before any pruning.
NamedTensors pruning_masks(const std::vector<std::shared_ptr<Conv2d>>& convolutions);
// Sets the masks that pruning_masks wrote, on each convolution's device; false (and nothing set)
// when `tensors` holds none.
bool restore_pruning_masks(const std::vector<std::shared_ptr<Conv2d>>& convolutions,
                           const NamedTensors& tensors);

}  // namespace kdup
