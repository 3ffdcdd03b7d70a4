#include "cuda/index_errors.h"

#include <mutex>

#include "cuda/cuda_check.h"

namespace kdup::cuda {
namespace {

// One IndexError in mapped (zero-copy) host memory, by its host and its device address. Never
// freed: kernels may run until the process exits.
struct MappedSlot {
  IndexError* host = nullptr;
  IndexError* device = nullptr;
};

const MappedSlot& mapped_slot() {
  static MappedSlot slot;
  static std::once_flag created;
  std::call_once(created, [] {
    void* host = nullptr;
    KDUP_CUDA_CHECK(cudaHostAlloc(&host, sizeof(IndexError), cudaHostAllocMapped));
    slot.host = static_cast<IndexError*>(host);
    *slot.host = IndexError{};
    void* device = nullptr;
    KDUP_CUDA_CHECK(cudaHostGetDevicePointer(&device, host, 0));
    slot.device = static_cast<IndexError*>(device);
  });
  return slot;
}

}  // namespace

IndexError* index_error_slot() { return mapped_slot().device; }

void throw_recorded_index_error() {
  volatile IndexError* slot = mapped_slot().host;
  if (slot->found == 0) return;
  const char* kernel = slot->kernel == kGatherDim ? "gather" : "index_select";
  const int64_t value = slot->value, position = slot->position, size = slot->size;
  slot->found = 0;
  KDUP_CHECK(false, kernel << " (CUDA): the index holds " << value << " at position " << position
                           << ", which is out of range: it must be >= 0 and below " << size
                           << " (found by the kernel, reported at the next read of a value)");
}

}  // namespace kdup::cuda
