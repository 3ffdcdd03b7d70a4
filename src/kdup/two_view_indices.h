// Index tensors of a two-view batch: 2B rows [view 1 of B images; view 2 of the same images]. They
// depend only on B and the device, so they are built once and reused by every step (a GPU step
// then builds and uploads none).
#pragma once
#include <cstdint>

#include "tensor/tensor.h"

namespace kdup {

struct TwoViewIndices {
  Tensor partner;       // int64 [2B]: row i's other view, (i + B) mod 2B (NT-Xent's positive)
  Tensor self_mask;     // uint8 [2B, 2B]: 1 on the diagonal
  Tensor partner_mask;  // uint8 [2B, 2B]: 1 at (i, partner[i])
};

// The indices for B images on `device`; the reference stays valid for the program's lifetime. Do
// not modify the tensors.
const TwoViewIndices& two_view_indices(int64_t batch, Device device);

}  // namespace kdup
