// The caching device allocator behind cuda_allocate/cuda_free (cuda/memory.cu).
//
// cudaMalloc and cudaFree synchronise the device and cost tens of microseconds, so freed blocks are
// kept in free lists keyed by their size class and handed out again. Requests are rounded up to a
// size class: multiples of 512 B below 1 MiB, multiples of 2 MiB from there on. All work runs on one
// stream (cuda/handles.h), so a block freed by one op can be reused by the next without waiting.
#pragma once
#include <cstddef>
#include <cstdint>

namespace kdup::cuda {

constexpr size_t kSmallAllocationGranule = 512;
constexpr size_t kLargeAllocationThreshold = size_t(1) << 20;  // 1 MiB
constexpr size_t kLargeAllocationGranule = size_t(2) << 20;    // 2 MiB

// The number of bytes actually reserved for a request of `bytes` (never zero).
inline size_t allocation_size_class(size_t bytes) {
  const size_t granule =
      bytes < kLargeAllocationThreshold ? kSmallAllocationGranule : kLargeAllocationGranule;
  const size_t rounded = (bytes + granule - 1) / granule * granule;
  return rounded == 0 ? granule : rounded;
}

struct AllocatorStats {
  size_t bytes_in_use = 0;       // size classes of the blocks handed out and not yet freed
  size_t bytes_cached = 0;       // size classes of the blocks waiting in the free lists
  int64_t cuda_malloc_calls = 0; // successful cudaMalloc calls since the process started
  int64_t cache_hits = 0;        // allocations served from a free list
};

AllocatorStats allocator_stats();

// Returns every cached block to the driver (cudaFree). Blocks in use are untouched.
void release_cached_blocks();

}  // namespace kdup::cuda
