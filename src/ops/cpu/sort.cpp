// CPU top-k and argsort over the last dimension: each row sorts an array of positions by the values
// they point at. Ties keep the lower position first; NaN counts as larger than every number.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "ops/cpu/strided.h"
#include "ops/kernels.h"

namespace kdup::cpu {

namespace {

// A strict weak order on values with NaN placed above +inf, so sorting never sees an inconsistent
// comparison.
template <class T>
bool value_less(T a, T b) {
  if (std::isnan(a)) return false;
  if (std::isnan(b)) return true;
  return a < b;
}

// Orders positions of one row by value (ascending or descending), then by position.
template <class T>
struct PositionOrder {
  const T* row;
  bool descending;
  bool operator()(int64_t a, int64_t b) const {
    const T va = row[a], vb = row[b];
    if (descending ? value_less(vb, va) : value_less(va, vb)) return true;
    if (descending ? value_less(va, vb) : value_less(vb, va)) return false;
    return a < b;
  }
};

// For argsort: the position order without the position tie-break, left to std::stable_sort.
template <class T>
struct ValueOrder {
  const T* row;
  bool descending;
  bool operator()(int64_t a, int64_t b) const {
    return descending ? value_less(row[b], row[a]) : value_less(row[a], row[b]);
  }
};

}  // namespace

void topk_rows(const Tensor& x, int64_t k, bool largest, Tensor& values, Tensor& indices) {
  dispatch_floating(x.dtype(), "topk_rows", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* px = x.data<T>();
    T* pv = values.data<T>();
    int64_t* pi = indices.data<int64_t>();
    const int64_t rows = row_count(x), n = row_length(x);
#pragma omp parallel for if (x.numel() > kParallelGrain)
    for (int64_t r = 0; r < rows; ++r) {
      const T* row = px + r * n;
      std::vector<int64_t> order(static_cast<size_t>(n));
      std::iota(order.begin(), order.end(), int64_t{0});
      std::partial_sort(order.begin(), order.begin() + k, order.end(),
                        PositionOrder<T>{row, largest});
      for (int64_t j = 0; j < k; ++j) {
        pv[r * k + j] = row[order[j]];
        pi[r * k + j] = order[j];
      }
    }
  });
}

void argsort_rows(const Tensor& x, bool descending, Tensor& indices) {
  dispatch_floating(x.dtype(), "argsort_rows", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* px = x.data<T>();
    int64_t* pi = indices.data<int64_t>();
    const int64_t rows = row_count(x), n = row_length(x);
#pragma omp parallel for if (x.numel() > kParallelGrain)
    for (int64_t r = 0; r < rows; ++r) {
      int64_t* order = pi + r * n;
      std::iota(order, order + n, int64_t{0});
      std::stable_sort(order, order + n, ValueOrder<T>{px + r * n, descending});
    }
  });
}

}  // namespace kdup::cpu
