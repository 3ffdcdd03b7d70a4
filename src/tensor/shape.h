// Shapes and strides: plain vectors of int64, with the few helpers every op needs.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace kdup {

using Shape = std::vector<int64_t>;

int64_t shape_numel(const Shape& shape);
Shape contiguous_strides(const Shape& shape);
// Strides of [N, C, H, W] stored as N, H, W, C ("channels last"): [H*W*C, 1, W*C, C].
Shape channels_last_strides(const Shape& shape);
std::string shape_str(const Shape& shape);  // "[2, 3, 4]"
// Resolves a possibly negative dimension against a rank; an out-of-range one is an error naming op.
int64_t normalize_dim(int64_t dim, int64_t rank, const char* op);
// The same against a tensor's shape, which the error message then names.
int64_t normalize_dim(int64_t dim, const Shape& shape, const char* op);

}  // namespace kdup
