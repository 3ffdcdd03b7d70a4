// CPU storage: freed buffers stay with the allocator for the next step instead of going back to
// the kernel (see keep_freed_cpu_memory in storage.cpp).
#include <malloc.h>

#include "test_util.h"

namespace kdup {
namespace {

TEST(CpuStorage, AFreedLargeBufferStaysInTheHeapForReuse) {
  const size_t bytes = size_t{64} << 20;  // above glibc's largest default mmap threshold (32 MiB)
  { Tensor warm = Tensor::empty({1}); }   // the policy is set before the first buffer
  const size_t free_before = mallinfo2().fordblks;
  { Tensor big = Tensor::empty({static_cast<int64_t>(bytes / sizeof(float))}); }
  EXPECT_GE(mallinfo2().fordblks, free_before + bytes)
      << "a freed 64 MiB buffer was returned to the kernel: the next step would fault it in again";
}

}  // namespace
}  // namespace kdup
