// The OOD pool (METHOD.md §1): either a .npy of uint8 [P, H, W, 3] (the 300K Random Images layout)
// or an image list of `path` lines relative to a root folder (ImageNet-R, Places-Extra69), decoded
// like the ID image lists at size x size.
#pragma once
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace kdup {

// The whole pool, uint8 [P, H, W, 3]; `size` applies to an image list only.
Tensor read_ood_pool(const std::string& file, const std::string& root, int64_t size);

// Only the given rows, in that order (thumbnails), without reading the rest of a .npy pool.
Tensor read_ood_pool_rows(const std::string& file, const std::string& root, int64_t size,
                          const std::vector<int64_t>& rows);

}  // namespace kdup
