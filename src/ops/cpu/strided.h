// Walking strided views on the CPU: an n-d view is a set of rows along its last dimension; each
// row starts at an offset found by unravelling the row number over the leading dimensions.
#pragma once
#include <cstdint>

#include "tensor/tensor.h"

namespace kdup::cpu {

// Element offset (relative to the view's first element) of row `row` of view t.
inline int64_t row_offset(const Tensor& t, int64_t row) {
  int64_t offset = 0;
  for (int64_t d = t.dim() - 2; d >= 0; --d) {
    const int64_t size = t.shape()[d];
    offset += (row % size) * t.strides()[d];
    row /= size;
  }
  return offset;
}

inline int64_t row_length(const Tensor& t) { return t.dim() == 0 ? 1 : t.shape().back(); }
inline int64_t row_stride(const Tensor& t) { return t.dim() == 0 ? 1 : t.strides().back(); }
inline int64_t row_count(const Tensor& t) {
  const int64_t len = row_length(t);
  return len == 0 ? 0 : t.numel() / len;
}

// Work below this many elements is not worth waking OpenMP threads for.
constexpr int64_t kParallelGrain = 1 << 15;

}  // namespace kdup::cpu
