// SDCLR's self-damaging branch (Jiang et al., 2021): a copy of the network that shares the dense
// weights through a mask from global magnitude pruning, recomputed from the dense weights at the
// start of every epoch (METHOD.md §4.2).
#pragma once
#include <vector>

#include "nn/layers.h"

namespace kdup {

// Masks every convolution so that the fraction `ratio` of all convolution weights with the smallest
// magnitudes (one threshold over the whole network) is zero in branch 1. Returns the threshold.
double prune_by_global_magnitude(const std::vector<std::shared_ptr<Conv2d>>& convolutions,
                                 double ratio);

}  // namespace kdup
