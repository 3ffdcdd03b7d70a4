#include "tensor/storage.h"

#include <malloc.h>

#include <cstdlib>
#include <new>

#include "tensor/error.h"

namespace kdup {

void keep_freed_cpu_memory() {
  static const bool kept = [] {
    return mallopt(M_MMAP_THRESHOLD, 1 << 30) == 1 && mallopt(M_TRIM_THRESHOLD, -1) == 1;
  }();
  (void)kept;
}

void* cpu_allocate(size_t bytes) {
  const size_t alignment = 64;
  size_t rounded = (bytes + alignment - 1) / alignment * alignment;
  if (rounded == 0) rounded = alignment;
  void* ptr = std::aligned_alloc(alignment, rounded);
  if (!ptr) throw std::bad_alloc();
  return ptr;
}

void cpu_free(void* ptr) { std::free(ptr); }

Storage::Storage(size_t bytes, Device device) : bytes_(bytes), device_(device) {
  data_ = device == Device::cpu ? cpu_allocate(bytes) : cuda_allocate(bytes);
}

Storage::~Storage() {
  if (device_ == Device::cpu) cpu_free(data_);
  else cuda_free(data_);
}

#ifndef KDUP_WITH_CUDA
static void no_cuda() {
  KDUP_CHECK(false, "this build of kdup has no CUDA backend (configure with nvcc present, KDUP_CUDA=ON)");
}
bool cuda_available() { return false; }
void* cuda_allocate(size_t) { no_cuda(); return nullptr; }
void cuda_free(void*) {}
void cuda_copy_to_device(void*, const void*, size_t) { no_cuda(); }
void cuda_copy_to_host(void*, const void*, size_t) { no_cuda(); }
void cuda_copy_device_to_device(void*, const void*, size_t) { no_cuda(); }
#endif

}  // namespace kdup
