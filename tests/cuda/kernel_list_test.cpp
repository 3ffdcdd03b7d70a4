// Walks the kernel list (KDUP_KERNELS in ops/kernels.h) and checks that every kernel has a CPU
// implementation and, in a CUDA build, a distinct CUDA twin. A kernel declared but never defined
// fails the link; one whose address is missing or shared between backends fails here.
#include <gtest/gtest.h>

#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "ops/kernels.h"

namespace kdup {
namespace {

struct KernelEntry {
  std::string name;
  bool has_cpu = false;
  bool has_cuda = false;
  bool backends_distinct = true;
};

std::vector<KernelEntry> kernel_entries() {
  std::vector<KernelEntry> entries;
#ifdef KDUP_WITH_CUDA
#define KDUP_KERNEL_ENTRY(ret, name, params)                                  \
  {                                                                           \
    ret(*cpu_fn) params = &cpu::name;                                         \
    ret(*cuda_fn) params = &cuda::name;                                       \
    entries.push_back({#name, cpu_fn != nullptr, cuda_fn != nullptr, cpu_fn != cuda_fn}); \
  }
#else
#define KDUP_KERNEL_ENTRY(ret, name, params)                                  \
  {                                                                           \
    ret(*cpu_fn) params = &cpu::name;                                         \
    entries.push_back({#name, cpu_fn != nullptr, false, true});               \
  }
#endif
  KDUP_KERNELS(KDUP_KERNEL_ENTRY)
#undef KDUP_KERNEL_ENTRY
  return entries;
}

TEST(KernelList, EveryKernelHasEveryBackend) {
  const std::vector<KernelEntry> entries = kernel_entries();
  ASSERT_FALSE(entries.empty());
  std::set<std::string> names;
  for (const KernelEntry& e : entries) {
    std::cout << "  kernel " << e.name << ": cpu " << (e.has_cpu ? "yes" : "NO");
#ifdef KDUP_WITH_CUDA
    std::cout << ", cuda " << (e.has_cuda ? "yes" : "NO");
    EXPECT_TRUE(e.has_cuda) << e.name << " has no CUDA implementation";
    EXPECT_TRUE(e.backends_distinct) << e.name << ": the CUDA entry is the CPU function";
#endif
    std::cout << "\n";
    EXPECT_TRUE(e.has_cpu) << e.name << " has no CPU implementation";
    EXPECT_TRUE(names.insert(e.name).second) << e.name << " is listed twice";
  }
  std::cout << "  " << entries.size() << " kernels\n";
}

}  // namespace
}  // namespace kdup
