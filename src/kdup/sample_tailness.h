// Per-sample tailness of KDUP (METHOD.md §1 step 3): how sparse the neighbourhood of each ID
// embedding is. High = sparse = tail-like.
#pragma once
#include <cstdint>

#include "tensor/tensor.h"

namespace kdup {

// embeddings: [N, D] (any device, float32 or float64; normalised here). Z^i = z_i plus its K nearest
// neighbours by cosine over all N rows (never itself), and
//   ŝ_i = − Σ_{m∈Z^i} Σ_{n∈Z^i, n≠m} exp(cos(z_m, z_n)) / (K(K+1)),
// i.e. minus the mean of exp(cos) over the K(K+1) ordered pairs of Z^i. The neighbour search runs in
// chunks of `chunk` queries, so memory stays at O(N·D + chunk·N + N·K).
// Returns float32 [N] on the CPU.
Tensor sample_tailness(const Tensor& embeddings, int64_t k = 10, int64_t chunk = 1024);

}  // namespace kdup
