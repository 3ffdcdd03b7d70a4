// Out-of-range indices met by the CUDA indexing kernels. Checking the indices on the host would
// copy each index tensor there, a wait for the device on every gather and index_select; instead
// each kernel checks the indices it reads, gives an out-of-range one's element the value 0 (it
// reads nothing outside the tensor), and records the first one in a slot of mapped host memory.
// The next read of values by the host (cuda_copy_to_host, after its stream synchronisation)
// throws it as an error naming the kernel, the index, its position and the valid range.
#pragma once
#include <cstdint>

namespace kdup::cuda {

enum IndexKernel : int { kGatherDim = 0, kIndexSelectRows = 1 };

struct IndexError {
  int found;   // 0 until a kernel records an index
  int kernel;  // IndexKernel
  int64_t value, position, size;
};

// The slot the kernels write (mapped host memory, created on first use).
IndexError* index_error_slot();

// Throws the recorded error, if any, and clears the slot. Call after a stream synchronisation.
void throw_recorded_index_error();

#ifdef __CUDACC__
// True when 0 <= value < size; otherwise records the index (the first one only) and returns false.
__device__ inline bool index_in_range(IndexError* slot, IndexKernel kernel, int64_t value,
                                      int64_t position, int64_t size) {
  if (value >= 0 && value < size) return true;
  if (atomicCAS(&slot->found, 0, 1) == 0) {
    slot->kernel = kernel;
    slot->value = value;
    slot->position = position;
    slot->size = size;
    __threadfence_system();
  }
  return false;
}
#endif

}  // namespace kdup::cuda
