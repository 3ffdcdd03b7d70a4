// Device memory: the caching allocator (see cuda/allocator.h), host/device copies on kdup's stream
// (host-to-device through pinned staging buffers, without waiting: StagingRing below), and the
// probe for a usable GPU.
#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "cuda/allocator.h"
#include "cuda/cuda_check.h"
#include "cuda/handles.h"
#include "cuda/index_errors.h"
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
    if (e != cudaSuccess) cudaGetLastError();  // a caller that falls back must not see it later
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

// Host-to-device copies without a stream synchronisation. The source is pageable memory (a CPU
// tensor) that the caller may free or reuse as soon as the copy returns, and cudaMemcpyAsync from
// pageable memory promises nothing about when it has read it ("might be synchronous", CUDA
// runtime API, "API synchronization behavior"); plain cudaMemcpy would return once the source is
// staged, but it runs on the legacy default stream, which does not wait for kdup's non-blocking
// stream, so it could overwrite a block the caching allocator handed back while kernels queued on
// that stream still use it. Hence: the bytes are first copied on the host into one of a ring of
// pinned staging buffers, then sent by cudaMemcpyAsync on kdup's stream, in order with every
// kernel; an event recorded after each send tells when its buffer may be refilled. The host copy
// is done when this returns, so the caller's memory is free at once, and the host waits only when
// it catches up with a buffer whose earlier send is still pending (a large upload is pipelined
// through the ring in chunks).
class StagingRing {
 public:
  static constexpr size_t kBufferBytes = size_t(4) << 20;  // 4 MiB per buffer
  static constexpr int kBuffers = 4;

  void copy_to_device(char* dst, const char* src, size_t bytes) {
    require_device();
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t done = 0; done < bytes;) {
      const size_t chunk = std::min(kBufferBytes, bytes - done);
      Buffer& b = next_buffer();
      std::memcpy(b.host, src + done, chunk);
      KDUP_CUDA_CHECK(cudaMemcpyAsync(dst + done, b.host, chunk, cudaMemcpyHostToDevice,
                                      cuda::stream()));
      KDUP_CUDA_CHECK(cudaEventRecord(b.sent, cuda::stream()));
      done += chunk;
    }
  }

 private:
  struct Buffer {
    char* host = nullptr;  // pinned
    cudaEvent_t sent = nullptr;
  };

  // The next buffer of the ring, once its previous send has finished (created on first use).
  Buffer& next_buffer() {
    Buffer& b = buffers_[next_];
    next_ = (next_ + 1) % kBuffers;
    if (!b.host) {
      void* host = nullptr;
      KDUP_CUDA_CHECK(cudaHostAlloc(&host, kBufferBytes, cudaHostAllocDefault));
      b.host = static_cast<char*>(host);
    }
    if (b.sent)
      KDUP_CUDA_CHECK(cudaEventSynchronize(b.sent));  // the buffer's last send has read it
    else
      KDUP_CUDA_CHECK(cudaEventCreateWithFlags(&b.sent, cudaEventDisableTiming));
    return b;
  }

  std::mutex mutex_;
  Buffer buffers_[kBuffers];
  int next_ = 0;
};

// Never destroyed, as the allocator.
StagingRing& staging() {
  static StagingRing* ring = new StagingRing();
  return *ring;
}

}  // namespace

bool cuda_available() { return device_probe().available; }

void* cuda_allocate(size_t bytes) { return allocator().allocate(bytes); }

void cuda_free(void* ptr) { allocator().release(ptr); }

void cuda_copy_to_device(void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return;
  staging().copy_to_device(static_cast<char*>(dst), static_cast<const char*>(src), bytes);
}

void cuda_copy_to_host(void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return;
  KDUP_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, cuda::stream()));
  KDUP_CUDA_CHECK(cudaStreamSynchronize(cuda::stream()));
  cuda::throw_recorded_index_error();  // what the kernels before this read met
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
