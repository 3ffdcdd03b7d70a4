// CUDA gather/scatter along a dimension and row selection. One thread per index (or output)
// element; the scatters accumulate with atomicAdd because two sources may hit one target, so the
// order of their additions varies from run to run. Under run.deterministic they run in a fixed
// order instead (ops/math/indexing_math.h): scatter_add_dim gathers, one thread per target element
// looping over the index along the dimension; index_add_rows stable-sorts the row index (CUB radix
// sort, carrying source positions) and lets the first thread of each run of equal rows add the
// run's source rows in order. Both then match the CPU's order of additions.
#include <cub/cub.cuh>

#include "cuda/device_buffer.h"
#include "cuda/index_errors.h"
#include "cuda/launch.cuh"
#include "ops/backend_options.h"
#include "ops/kernels.h"
#include "ops/math/indexing_math.h"

namespace kdup::cuda {

namespace {

GatherSplit split_for(const Shape& indexed, const Shape& index, int64_t dim) {
  GatherSplit s;
  s.n = indexed[dim];
  s.m = index[dim];
  for (int64_t d = dim + 1; d < static_cast<int64_t>(indexed.size()); ++d) s.inner *= indexed[d];
  for (int64_t d = dim + 1; d < static_cast<int64_t>(index.size()); ++d) s.inner_index *= index[d];
  return s;
}

int64_t row_width(const Tensor& t) { return t.shape()[0] ? t.numel() / t.shape()[0] : 0; }

// The forward kernels check the indices they read (cuda/index_errors.h); the scatters of the
// backward use the same, already checked, indices.
template <class T>
__global__ void gather_kernel(const T* x, GatherSplit s, const int64_t* index, T* out, int64_t n,
                              IndexError* error) {
  KDUP_GRID_LOOP(at, n) {
    const int64_t picked = index[at];
    out[at] = index_in_range(error, kGatherDim, picked, at, s.n) ? x[gather_offset(s, at, picked)]
                                                                 : T(0);
  }
}

template <class T>
__global__ void scatter_add_kernel(const T* src, GatherSplit s, const int64_t* index, T* out,
                                   int64_t n) {
  KDUP_GRID_LOOP(at, n) atomicAdd(out + gather_offset(s, at, index[at]), src[at]);
}

template <class T>
__global__ void scatter_add_gather_kernel(const T* src, GatherSplit s, int64_t index_outer,
                                          const int64_t* index, T* out, int64_t n) {
  KDUP_GRID_LOOP(at, n) out[at] = scatter_add_gathered(s, index_outer, at, out[at], src, index);
}

template <class T>
__global__ void index_select_kernel(const T* x, int64_t rows, const int64_t* index, int64_t width,
                                    T* out, int64_t n, IndexError* error) {
  KDUP_GRID_LOOP(at, n) {
    out[at] = index_in_range(error, kIndexSelectRows, index[at / width], at / width, rows)
                  ? x[selected_row_offset(at, width, index)]
                  : T(0);
  }
}

template <class T>
__global__ void index_add_kernel(const T* src, const int64_t* index, int64_t width, T* out,
                                 int64_t n) {
  KDUP_GRID_LOOP(at, n) atomicAdd(out + selected_row_offset(at, width, index), src[at]);
}

__global__ void iota_kernel(int64_t* out, int64_t n) {
  KDUP_GRID_LOOP(i, n) out[i] = i;
}

// One thread per (sorted position k, column); threads of consecutive columns sit side by side.
template <class T>
__global__ void index_add_runs_kernel(const T* src, const int64_t* sorted_rows,
                                      const int64_t* order, int64_t rows, int64_t width, T* out) {
  KDUP_GRID_LOOP(t, rows * width) {
    index_add_run(t / width, t % width, rows, width, sorted_rows, order, src, out);
  }
}

// index_add_rows in a fixed order: sort the index stably, carrying each entry's source row.
void index_add_rows_sorted(const Tensor& src, const Tensor& index, Tensor& out) {
  const int64_t rows = index.numel(), width = row_width(out);
  DeviceBuffer positions(rows * sizeof(int64_t)), order(rows * sizeof(int64_t));
  DeviceBuffer sorted_rows(rows * sizeof(int64_t));
  iota_kernel<<<blocks_for(rows), kThreadsPerBlock, 0, stream()>>>(positions.as<int64_t>(), rows);
  check_launch("index_add_rows");
  auto sort = [&](void* temp, size_t& temp_bytes) {
    return cub::DeviceRadixSort::SortPairs(temp, temp_bytes, index.data<int64_t>(),
                                           sorted_rows.as<int64_t>(), positions.as<int64_t>(),
                                           order.as<int64_t>(), static_cast<int>(rows), 0,
                                           int(sizeof(int64_t) * 8), stream());
  };
  size_t temp_bytes = 0;
  KDUP_CUDA_CHECK(sort(nullptr, temp_bytes));
  DeviceBuffer temp(temp_bytes);
  KDUP_CUDA_CHECK(sort(temp.as<void>(), temp_bytes));
  dispatch_floating(src.dtype(), "index_add_rows", [&](auto tag) {
    using T = typename decltype(tag)::type;
    index_add_runs_kernel<<<blocks_for(rows * width), kThreadsPerBlock, 0, stream()>>>(
        src.data<T>(), sorted_rows.as<int64_t>(), order.as<int64_t>(), rows, width,
        out.data<T>());
  });
  check_launch("index_add_rows");
}

}  // namespace

void gather_dim(const Tensor& x, int64_t dim, const Tensor& index, Tensor& out) {
  const int64_t n = out.numel();
  if (n == 0) return;
  const GatherSplit s = split_for(x.shape(), index.shape(), dim);
  dispatch_all(x.dtype(), "gather_dim", [&](auto tag) {
    using T = typename decltype(tag)::type;
    gather_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream()>>>(
        x.data<T>(), s, index.data<int64_t>(), out.data<T>(), n, index_error_slot());
  });
  check_launch("gather_dim");
}

void scatter_add_dim(const Tensor& src, int64_t dim, const Tensor& index, Tensor& out) {
  const int64_t n = index.numel();
  if (n == 0) return;
  const GatherSplit s = split_for(out.shape(), index.shape(), dim);
  if (backend_options().deterministic) {
    const int64_t targets = out.numel(), index_outer = n / (s.m * s.inner_index);
    dispatch_floating(src.dtype(), "scatter_add_dim", [&](auto tag) {
      using T = typename decltype(tag)::type;
      scatter_add_gather_kernel<<<blocks_for(targets), kThreadsPerBlock, 0, stream()>>>(
          src.data<T>(), s, index_outer, index.data<int64_t>(), out.data<T>(), targets);
    });
    check_launch("scatter_add_dim");
    return;
  }
  dispatch_floating(src.dtype(), "scatter_add_dim", [&](auto tag) {
    using T = typename decltype(tag)::type;
    scatter_add_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream()>>>(
        src.data<T>(), s, index.data<int64_t>(), out.data<T>(), n);
  });
  check_launch("scatter_add_dim");
}

void index_select_rows(const Tensor& x, const Tensor& index, Tensor& out) {
  const int64_t n = out.numel(), width = row_width(x);
  if (n == 0) return;
  dispatch_all(x.dtype(), "index_select_rows", [&](auto tag) {
    using T = typename decltype(tag)::type;
    index_select_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream()>>>(
        x.data<T>(), x.shape()[0], index.data<int64_t>(), width, out.data<T>(), n,
        index_error_slot());
  });
  check_launch("index_select_rows");
}

void index_add_rows(const Tensor& src, const Tensor& index, Tensor& out) {
  const int64_t n = src.numel(), width = row_width(out);
  if (n == 0) return;
  if (backend_options().deterministic) return index_add_rows_sorted(src, index, out);
  dispatch_floating(src.dtype(), "index_add_rows", [&](auto tag) {
    using T = typename decltype(tag)::type;
    index_add_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream()>>>(
        src.data<T>(), index.data<int64_t>(), width, out.data<T>(), n);
  });
  check_launch("index_add_rows");
}

}  // namespace kdup::cuda
