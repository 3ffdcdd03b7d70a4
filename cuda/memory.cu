// Device memory: the caching allocator (see cuda/allocator.h), host/device copies on kdup's stream,
// and the probe for a usable GPU.
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "cuda/allocator.h"
#include "cuda/cuda_check.h"
#include "cuda/handles.h"
#include "tensor/device.h"
#include "tensor/storage.h"

namespace kdup {

namespace {

// Whether a device is present, probed once. cudaGetDeviceCount reports a missing driver or device
// as an error code, never by crashing, so this is safe on any machine.
struct DeviceProbe {
  bool available = false;
  cudaError_t error = cudaSuccess;
};

const DeviceProbe& device_probe() {
  static const DeviceProbe probe = [] {
    DeviceProbe p;
    int count = 0;
    p.error = cudaGetDeviceCount(&count);
    if (p.error == cudaSuccess && count < 1) p.error = cudaErrorNoDevice;
    p.available = p.error == cudaSuccess;
    cudaGetLastError();  // the failed probe must not linger as the runtime's last error
    return p;
  }();
  return probe;
}

void require_device() {
  const DeviceProbe& p = device_probe();
  KDUP_CHECK(p.available, "no CUDA device available: " << cudaGetErrorString(p.error));
}

class CachingAllocator {
 public:
  void* allocate(size_t bytes) {
    require_device();
    const size_t size = cuda::allocation_size_class(bytes);
    std::lock_guard<std::mutex> lock(mutex_);
    auto& list = free_lists_[size];
    void* ptr = nullptr;
    if (!list.empty()) {
      ptr = list.back();
      list.pop_back();
      stats_.bytes_cached -= size;
      ++stats_.cache_hits;
    } else {
      ptr = malloc_with_retry(size);
    }
    block_sizes_[ptr] = size;
    stats_.bytes_in_use += size;
    return ptr;
  }

  void release(void* ptr) {
    if (!ptr) return;
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = block_sizes_.find(ptr);
    KDUP_CHECK(it != block_sizes_.end(), "cuda_free: pointer was not allocated by kdup");
    const size_t size = it->second;
    block_sizes_.erase(it);
    free_lists_[size].push_back(ptr);
    stats_.bytes_in_use -= size;
    stats_.bytes_cached += size;
  }

  void release_cached() {
    std::lock_guard<std::mutex> lock(mutex_);
    release_cached_locked();
  }

  cuda::AllocatorStats stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
  }

 private:
  // cudaMalloc on a cache miss; when the device is full, the cache is returned and it is tried once more.
  void* malloc_with_retry(size_t size) {
    void* ptr = nullptr;
    cudaError_t e = cudaMalloc(&ptr, size);
    if (e == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      release_cached_locked();
      e = cudaMalloc(&ptr, size);
    }
    KDUP_CHECK(e == cudaSuccess, "cudaMalloc of " << size << " bytes failed ("
                                                  << stats_.bytes_in_use << " bytes in use): "
                                                  << cudaGetErrorString(e));
    ++stats_.cuda_malloc_calls;
    return ptr;
  }

  void release_cached_locked() {
    for (auto& [size, list] : free_lists_) {
      for (void* ptr : list) KDUP_CUDA_CHECK(cudaFree(ptr));
      stats_.bytes_cached -= size * list.size();
      list.clear();
    }
  }

  std::mutex mutex_;
  std::map<size_t, std::vector<void*>> free_lists_;
  std::unordered_map<void*, size_t> block_sizes_;
  cuda::AllocatorStats stats_;
};

// Never destroyed: blocks may still be freed by static tensors while the process exits.
CachingAllocator& allocator() {
  static CachingAllocator* a = new CachingAllocator();
  return *a;
}

}  // namespace

bool cuda_available() { return device_probe().available; }

void* cuda_allocate(size_t bytes) { return allocator().allocate(bytes); }

void cuda_free(void* ptr) { allocator().release(ptr); }

void cuda_copy_to_device(void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return;
  KDUP_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, cuda::stream()));
  // The source is pageable host memory the caller may reuse at once.
  KDUP_CUDA_CHECK(cudaStreamSynchronize(cuda::stream()));
}

void cuda_copy_to_host(void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return;
  KDUP_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, cuda::stream()));
  KDUP_CUDA_CHECK(cudaStreamSynchronize(cuda::stream()));
}

void cuda_copy_device_to_device(void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return;
  KDUP_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, cuda::stream()));
}

namespace cuda {
AllocatorStats allocator_stats() { return allocator().stats(); }
void release_cached_blocks() { allocator().release_cached(); }
}  // namespace cuda

}  // namespace kdup
