// CUDA sorting per row of the last dimension: argsort and top-k through CUB's segmented radix sort,
// one segment per row, with each element's position in its row as the payload. Radix sort is
// stable, so equal values keep their original order: ties go to the lower index first, in either
// direction, as on the CPU. Top-k sorts whole rows and keeps the first k of each.
#include <cub/cub.cuh>

#include <limits>

#include "cuda/device_buffer.h"
#include "cuda/launch.cuh"
#include "ops/kernels.h"
#include "ops/math/sort_math.h"

namespace kdup::cuda {

namespace {

// Row starts (and, one past them, ends) of `rows` contiguous rows of length len.
__global__ void row_offsets_kernel(int* offsets, int64_t rows, int64_t len) {
  KDUP_GRID_LOOP(r, rows + 1) offsets[r] = static_cast<int>(r * len);
}

// Each element's position within its row: the payload sorted along with the keys.
__global__ void positions_kernel(int64_t* positions, int64_t n, int64_t len) {
  KDUP_GRID_LOOP(i, n) positions[i] = i % len;
}

template <class T>
__global__ void take_first_k_kernel(const T* sorted_values, const int64_t* sorted_positions,
                                    int64_t k, int64_t len, T* values, int64_t* indices, int64_t n) {
  KDUP_GRID_LOOP(at, n) {
    const int64_t from = topk_source_offset(at, k, len);
    values[at] = sorted_values[from];
    indices[at] = sorted_positions[from];
  }
}

// Sorts every row of x (contiguous, rows of length len) into sorted_values/sorted_positions.
template <class T>
void sort_rows(const Tensor& x, bool descending, T* sorted_values, int64_t* sorted_positions) {
  const int64_t n = x.numel();
  const int64_t len = x.dim() == 0 ? 1 : x.shape().back();
  const int64_t rows = n / len;
  KDUP_CHECK(n <= std::numeric_limits<int>::max(),
             "sort: " << n << " elements exceed the 32-bit offsets of the segmented sort");
  DeviceBuffer offsets((rows + 1) * sizeof(int));
  DeviceBuffer positions(n * sizeof(int64_t));
  row_offsets_kernel<<<blocks_for(rows + 1), kThreadsPerBlock, 0, stream()>>>(offsets.as<int>(),
                                                                             rows, len);
  positions_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream()>>>(positions.as<int64_t>(), n, len);
  check_launch("sort");

  const int items = static_cast<int>(n), segments = static_cast<int>(rows);
  const int* begins = offsets.as<int>();
  const int* ends = begins + 1;
  auto run = [&](void* temp, size_t& temp_bytes) {
    return descending ? cub::DeviceSegmentedRadixSort::SortPairsDescending(
                            temp, temp_bytes, x.data<T>(), sorted_values, positions.as<int64_t>(),
                            sorted_positions, items, segments, begins, ends, 0, int(sizeof(T) * 8),
                            stream())
                      : cub::DeviceSegmentedRadixSort::SortPairs(
                            temp, temp_bytes, x.data<T>(), sorted_values, positions.as<int64_t>(),
                            sorted_positions, items, segments, begins, ends, 0, int(sizeof(T) * 8),
                            stream());
  };
  size_t temp_bytes = 0;
  KDUP_CUDA_CHECK(run(nullptr, temp_bytes));
  DeviceBuffer temp(temp_bytes);
  KDUP_CUDA_CHECK(run(temp.as<void>(), temp_bytes));
}

}  // namespace

void argsort_rows(const Tensor& x, bool descending, Tensor& indices) {
  const int64_t n = x.numel();
  if (n == 0) return;
  dispatch_floating(x.dtype(), "argsort_rows", [&](auto tag) {
    using T = typename decltype(tag)::type;
    DeviceBuffer sorted_values(n * sizeof(T));
    sort_rows<T>(x, descending, sorted_values.as<T>(), indices.data<int64_t>());
  });
}

void topk_rows(const Tensor& x, int64_t k, bool largest, Tensor& values, Tensor& indices) {
  const int64_t n = x.numel();
  const int64_t out_n = values.numel();
  if (n == 0 || out_n == 0) return;
  const int64_t len = x.dim() == 0 ? 1 : x.shape().back();
  dispatch_floating(x.dtype(), "topk_rows", [&](auto tag) {
    using T = typename decltype(tag)::type;
    DeviceBuffer sorted_values(n * sizeof(T));
    DeviceBuffer sorted_positions(n * sizeof(int64_t));
    sort_rows<T>(x, largest, sorted_values.as<T>(), sorted_positions.as<int64_t>());
    take_first_k_kernel<<<blocks_for(out_n), kThreadsPerBlock, 0, stream()>>>(
        sorted_values.as<T>(), sorted_positions.as<int64_t>(), k, len, values.data<T>(),
        indices.data<int64_t>(), out_n);
    check_launch("topk_rows");
  });
}

}  // namespace kdup::cuda
