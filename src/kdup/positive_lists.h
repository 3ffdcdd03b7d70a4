// Positive lists for the pseudo-semantic discrimination loss L_PSD (METHOD.md §1 step 6, Eq. 8).
#pragma once
#include <cstdint>

#include "tensor/tensor.h"

namespace kdup {

// For every row of the merged set D = D_ID ∪ D_s^OOD (ID rows first, then the sampled OOD rows),
// its k_pos nearest neighbours by cosine within its own domain, never itself, most similar first.
// id_embeddings: [N_id, D]; ood_embeddings: [N_ood, D], or undefined / 0 rows when no OOD data is
// sampled yet. Returns int64 [N_id + N_ood, k_pos] indices into the merged set (OOD neighbours are
// offset by N_id). The lists are not symmetric.
Tensor positive_lists(const Tensor& id_embeddings, const Tensor& ood_embeddings, int64_t k_pos = 3,
                      int64_t chunk = 1024);

}  // namespace kdup
