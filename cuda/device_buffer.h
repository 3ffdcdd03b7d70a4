// Scratch device memory for one kernel call, taken from and returned to the caching allocator.
#pragma once
#include <cstddef>

#include "tensor/storage.h"

namespace kdup::cuda {

class DeviceBuffer {
 public:
  explicit DeviceBuffer(size_t bytes) : ptr_(bytes ? cuda_allocate(bytes) : nullptr) {}
  ~DeviceBuffer() { cuda_free(ptr_); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  template <class T>
  T* as() const { return static_cast<T*>(ptr_); }

 private:
  void* ptr_;
};

}  // namespace kdup::cuda
