// A block of memory on one device, freed when the last tensor viewing it goes away.
#pragma once
#include <cstddef>

#include "tensor/device.h"

namespace kdup {

class Storage {
 public:
  Storage(size_t bytes, Device device);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }
  Device device() const { return device_; }

 private:
  void* data_ = nullptr;
  size_t bytes_ = 0;
  Device device_;
};

// CPU buffers are 64-byte aligned (one cache line, one AVX-512 register).
void* cpu_allocate(size_t bytes);
// Buffer reuse across training steps. A step frees and allocates the same large buffers every
// time; glibc hands blocks above its mmap threshold (128 KiB, rising to 32 MiB at most) back to
// the kernel on free and trims the heap's top, so the next step page-faults all of that memory in
// again (about 10% of a CPU-scale step). After this call (the SGD optimizer makes it: training is
// under way) freed blocks stay in glibc's free lists for the next step, and the process keeps its
// peak, which each step reaches anyway. Evaluation-only runs leave glibc's defaults alone.
void keep_freed_cpu_memory();
void cpu_free(void* ptr);

// The CUDA side (cuda/memory.cu). In a build without CUDA these throw a clear error.
void* cuda_allocate(size_t bytes);
void cuda_free(void* ptr);
void cuda_copy_to_device(void* dst, const void* src, size_t bytes);
void cuda_copy_to_host(void* dst, const void* src, size_t bytes);
void cuda_copy_device_to_device(void* dst, const void* src, size_t bytes);

}  // namespace kdup
