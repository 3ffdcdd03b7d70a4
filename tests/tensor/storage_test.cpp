// CPU storage: once training is under way (an SGD optimizer exists), freed buffers stay with the
// allocator for the next step instead of going back to the kernel (keep_freed_cpu_memory).
#include <malloc.h>

#include "nn/sgd.h"
#include "test_util.h"

namespace kdup {
namespace {

TEST(CpuStorage, AFreedLargeBufferStaysInTheHeapForReuse) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer's allocator replaces glibc's, whose mallinfo2 this reads";
#endif
  const size_t bytes = size_t{64} << 20;  // above glibc's largest default mmap threshold (32 MiB)
  SGD sgd({{{Tensor::zeros({2}).set_requires_grad(true)}}}, 0.1);  // training is under way
  const size_t mapped_before = mallinfo2().hblkhd;
  {
    Tensor big = Tensor::empty({static_cast<int64_t>(bytes / sizeof(float))});
    EXPECT_LT(mallinfo2().hblkhd, mapped_before + bytes) << "a 64 MiB buffer was mapped on its own";
  }
  EXPECT_GE(mallinfo2().fordblks, bytes)
      << "a freed 64 MiB buffer was returned to the kernel: the next step would fault it in again";
}

}  // namespace
}  // namespace kdup
