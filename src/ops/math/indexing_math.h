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

// The deterministic variants of the two scatters (run.deterministic on CUDA), where no two threads
// add into one element and each sum runs in the CPU kernel's order.
//
// scatter_add along a dimension in gather form: the new value of element `at` of the target
// [outer, n, inner], `current` being its old value, plus every src[o, k, i] whose index[o, k, i]
// names it, in the order of k. `index_outer` is the index's outer size.
template <class T>
KDUP_HD T scatter_add_gathered(const GatherSplit& s, int64_t index_outer, int64_t at, T current,
                               const T* src, const int64_t* index) {
  const int64_t i = at % s.inner, target = (at / s.inner) % s.n, o = at / (s.inner * s.n);
  if (i >= s.inner_index || o >= index_outer) return current;
  for (int64_t k = 0; k < s.m; ++k) {
    const int64_t from = (o * s.m + k) * s.inner_index + i;
    if (index[from] == target) current += src[from];
  }
  return current;
}

// index_add of rows after a stable sort of the index: sorted_rows[k] = index[order[k]], equal rows
// in source order. The thread of (k, column) works only when k starts a run of equal rows: it adds
// the run's source rows, in source order, to that row of out.
template <class T>
KDUP_HD void index_add_run(int64_t k, int64_t column, int64_t rows, int64_t width,
                           const int64_t* sorted_rows, const int64_t* order, const T* src, T* out) {
  if (k > 0 && sorted_rows[k - 1] == sorted_rows[k]) return;
  const int64_t row = sorted_rows[k];
  T sum = out[row * width + column];
  for (int64_t r = k; r < rows && sorted_rows[r] == row; ++r) sum += src[order[r] * width + column];
  out[row * width + column] = sum;
}

}  // namespace kdup
