// Per-element math of the one-dimension reductions, shared by the CPU layout ([outer, n, inner]
// around the reduced dimension) and the CUDA kernels.
#pragma once
#include <cstdint>

#include "tensor/hostdevice.h"

namespace kdup {

// x viewed as [outer, n, inner] around the reduced dimension; out is [outer, inner].
struct ReduceSplit {
  int64_t outer = 1, n = 1, inner = 1;
};

// Offset in x of the k-th element reduced into output element `out_index`.
KDUP_HD int64_t reduce_input_offset(const ReduceSplit& s, int64_t out_index, int64_t k) {
  const int64_t o = out_index / s.inner, i = out_index % s.inner;
  return (o * s.n + k) * s.inner + i;
}

// A candidate maximum with its position along the reduced dimension.
template <class T>
struct ArgMax {
  T value;
  int64_t index;
};

// The better of two candidates under max_dim's rule: NaN beats any number (as in PyTorch), a larger
// value beats a smaller one, and between equals the lower index wins. The rule is a total order, so
// combining partial results in any grouping gives what a left-to-right scan gives.
template <class T>
KDUP_HD ArgMax<T> argmax_combine(const ArgMax<T>& a, const ArgMax<T>& b) {
  const bool a_nan = a.value != a.value, b_nan = b.value != b.value;
  if (a_nan != b_nan) return a_nan ? a : b;
  if (!a_nan && a.value != b.value) return a.value > b.value ? a : b;
  return a.index <= b.index ? a : b;
}

}  // namespace kdup
