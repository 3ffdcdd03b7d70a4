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
void cpu_free(void* ptr);

// The CUDA side (cuda/memory.cu). In a build without CUDA these throw a clear error.
void* cuda_allocate(size_t bytes);
void cuda_free(void* ptr);
void cuda_copy_to_device(void* dst, const void* src, size_t bytes);
void cuda_copy_to_host(void* dst, const void* src, size_t bytes);
void cuda_copy_device_to_device(void* dst, const void* src, size_t bytes);

}  // namespace kdup
