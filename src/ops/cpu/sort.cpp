// CPU top-k and argsort over the last dimension. Each element of a row becomes one unsigned key
// that orders like (value, then lower position first): the value's bits mapped so that unsigned
// order is numeric order (NaN above +inf, -0 equal to +0) in the high half, the position inverted
// in the low half. Keys are distinct, so a plain sort of keys is the stable order by value, and
// comparisons read no memory besides the keys themselves.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <type_traits>
#include <vector>

#include "ops/cpu/strided.h"
#include "ops/kernels.h"

namespace kdup::cpu {

namespace {

// Unsigned integer as wide as T, whose order is T's numeric order; every NaN maps above +inf.
template <class T>
auto ordered_bits(T v) {
  using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  constexpr Bits sign = Bits{1} << (8 * sizeof(T) - 1);
  if (std::isnan(v)) return ~Bits{0};
  if (v == 0) v = 0;  // -0 and +0 are equal, so their order falls to the position
  Bits bits;
  std::memcpy(&bits, &v, sizeof(T));
  return (bits & sign) ? ~bits : bits | sign;  // negatives reversed below the positives
}

__extension__ using Uint128 = unsigned __int128;

// Key of row[position]: larger keys come first. `descending` ranks large values first.
template <class T>
struct RowKey {
  using Key = std::conditional_t<sizeof(T) == 4, uint64_t, Uint128>;
  static constexpr uint32_t kMaxPosition = ~uint32_t{0};

  static Key make(T value, int64_t position, bool descending) {
    auto bits = ordered_bits(value);
    if (!descending) bits = ~bits;
    return (Key{bits} << 32) | (kMaxPosition - static_cast<uint32_t>(position));
  }
  static int64_t position(Key key) { return kMaxPosition - static_cast<uint32_t>(key); }
};

// The k largest keys of a row of n elements, largest first, in `top`. Keys above a bar collect in
// a buffer of 2k; when it is full, nth_element keeps its k largest and the bar rises to the k-th of
// them. Elements are scanned in position order, so a later element can beat the bar only when its
// value ranks strictly above the bar's: one comparison of values turns most elements away before
// any key is made.
template <bool Largest, class T>
void top_keys(const T* row, int64_t n, int64_t k, std::vector<typename RowKey<T>::Key>& top) {
  using Key = typename RowKey<T>::Key;
  top.clear();
  if (k == 0) return;
  top.reserve(static_cast<size_t>(2 * k));
  Key bar = 0;  // every key is above 0: its low half is at least 1
  T bar_value = std::numeric_limits<T>::quiet_NaN();  // compares false: everything passes
  for (int64_t i = 0; i < n; ++i) {
    // A NaN compares false, so it is always looked at (it ranks above every number)
    if (Largest ? row[i] <= bar_value : row[i] >= bar_value) continue;
    const Key key = RowKey<T>::make(row[i], i, Largest);
    if (key <= bar) continue;
    top.push_back(key);
    if (static_cast<int64_t>(top.size()) == 2 * k) {
      std::nth_element(top.begin(), top.begin() + (k - 1), top.end(), std::greater<Key>());
      bar = top[k - 1];
      bar_value = row[RowKey<T>::position(bar)];
      top.resize(static_cast<size_t>(k));
    }
  }
  const auto kth = top.begin() + std::min<int64_t>(k, static_cast<int64_t>(top.size()));
  std::partial_sort(top.begin(), kth, top.end(), std::greater<Key>());
  top.resize(static_cast<size_t>(kth - top.begin()));
}

// The keys of one row of n elements.
template <class T>
void row_keys(const T* row, int64_t n, bool descending,
              std::vector<typename RowKey<T>::Key>& keys) {
  keys.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) keys[i] = RowKey<T>::make(row[i], i, descending);
}

void check_row_length(int64_t n, const char* op) {
  KDUP_CHECK(n < static_cast<int64_t>(RowKey<float>::kMaxPosition),
             op << ": rows of " << n << " elements are longer than 2^32 - 1");
}

}  // namespace

void topk_rows(const Tensor& x, int64_t k, bool largest, Tensor& values, Tensor& indices) {
  check_row_length(row_length(x), "topk");
  dispatch_floating(x.dtype(), "topk_rows", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using Key = typename RowKey<T>::Key;
    const T* px = x.data<T>();
    T* pv = values.data<T>();
    int64_t* pi = indices.data<int64_t>();
    const int64_t rows = row_count(x), n = row_length(x);
#pragma omp parallel for if (x.numel() > kParallelGrain)
    for (int64_t r = 0; r < rows; ++r) {
      const T* row = px + r * n;
      std::vector<Key> keys;
      if (largest)
        top_keys<true>(row, n, k, keys);
      else
        top_keys<false>(row, n, k, keys);
      for (int64_t j = 0; j < k; ++j) {
        const int64_t position = RowKey<T>::position(keys[j]);
        pv[r * k + j] = row[position];
        pi[r * k + j] = position;
      }
    }
  });
}

void argsort_rows(const Tensor& x, bool descending, Tensor& indices) {
  check_row_length(row_length(x), "argsort");
  dispatch_floating(x.dtype(), "argsort_rows", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using Key = typename RowKey<T>::Key;
    const T* px = x.data<T>();
    int64_t* pi = indices.data<int64_t>();
    const int64_t rows = row_count(x), n = row_length(x);
#pragma omp parallel for if (x.numel() > kParallelGrain)
    for (int64_t r = 0; r < rows; ++r) {
      std::vector<Key> keys;
      row_keys(px + r * n, n, descending, keys);
      std::sort(keys.begin(), keys.end(), std::greater<Key>());
      for (int64_t j = 0; j < n; ++j) pi[r * n + j] = RowKey<T>::position(keys[j]);
    }
  });
}

}  // namespace kdup::cpu
