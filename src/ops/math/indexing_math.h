// Per-element offsets of the indexing kernels (gather/scatter along a dimension, row selection),
// shared by the CUDA kernels and checked against the CPU kernels in the host tests.
#pragma once
#include <cstdint>

#include "tensor/hostdevice.h"

namespace kdup {

// Shapes around the indexed dimension: x (or the scatter target) is [outer, n, inner]; the index
// (and gather's output, scatter's source) is [outer, m, inner_index].
struct GatherSplit {
  int64_t n = 1, inner = 1;            // of the indexed tensor
  int64_t m = 1, inner_index = 1;      // of the index
};

// Offset in the indexed tensor that element `at` of the index refers to, `picked` being index[at].
KDUP_HD int64_t gather_offset(const GatherSplit& s, int64_t at, int64_t picked) {
  const int64_t i = at % s.inner_index;
  const int64_t o = at / (s.m * s.inner_index);
  return (o * s.n + picked) * s.inner + i;
}

// Offset in the row-indexed tensor of element `at` of the selection, whose rows hold `width`
// elements and whose row r is the indexed tensor's row index[r].
KDUP_HD int64_t selected_row_offset(int64_t at, int64_t width, const int64_t* index) {
  return index[at / width] * width + at % width;
}

}  // namespace kdup
