// Rank 0's decisions on every rank: what one rank computed once (the clusters of a refresh, the
// OOD sample, the positive lists, stage 2's pairs, the checkpoint to resume from) is sent to the
// others whole, with its names, dtypes and shapes, so no rank has to know them beforehand.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "dist/communicator.h"

namespace kdup {

// Rank root's string, on every rank.
std::string broadcast_string(Communicator& communicator, const std::string& value, int root = 0);

// Rank root's named tensors, on every rank, as contiguous CPU tensors (the others' are replaced).
// Undefined tensors are not allowed.
void broadcast_named_tensors(Communicator& communicator,
                             std::vector<std::pair<std::string, Tensor>>& tensors, int root = 0);

}  // namespace kdup
