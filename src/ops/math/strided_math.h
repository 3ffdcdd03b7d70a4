// Locating elements of strided views by their row-major position, shared by the CUDA elementwise
// kernels and checked against the CPU walk (ops/cpu/strided.h) in the host tests.
#pragma once
#include <cstdint>

#include "tensor/hostdevice.h"
#include "tensor/tensor.h"

namespace kdup {

constexpr int kMaxStridedDims = 8;

// A view's shape and strides, small enough to pass to a GPU kernel by value.
struct StridedLayout {
  int64_t sizes[kMaxStridedDims] = {};
  int64_t strides[kMaxStridedDims] = {};
  int ndim = 0;
};

// The element offset (from the view's first element) of the element at row-major position
// `linear`: the position is unravelled over the sizes, last dimension fastest, and each coordinate
// is weighted by its stride (0 along a broadcast dimension).
KDUP_HD int64_t strided_offset(const StridedLayout& layout, int64_t linear) {
  int64_t offset = 0;
  for (int d = layout.ndim - 1; d >= 0; --d) {
    const int64_t size = layout.sizes[d];
    offset += (linear % size) * layout.strides[d];
    linear /= size;
  }
  return offset;
}

// The layout of view t (shape and strides; a scalar has ndim 0 and offset 0).
inline StridedLayout strided_layout(const Tensor& t) {
  KDUP_CHECK(t.dim() <= kMaxStridedDims, "strided kernels support up to " << kMaxStridedDims
                                              << " dimensions, got " << shape_str(t.shape()));
  StridedLayout layout;
  layout.ndim = static_cast<int>(t.dim());
  for (int d = 0; d < layout.ndim; ++d) {
    layout.sizes[d] = t.shape()[d];
    layout.strides[d] = t.strides()[d];
  }
  return layout;
}

}  // namespace kdup
