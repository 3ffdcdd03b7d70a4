// Picks the kernel of the backend a tensor lives on. A CUDA tensor never runs a CPU kernel: in a
// build without CUDA, asking for one is an error, not a silent fallback.
#pragma once
#include "ops/kernels.h"

namespace kdup {

[[noreturn]] void throw_no_cuda_backend(const char* kernel);

}  // namespace kdup

#ifdef KDUP_WITH_CUDA
#define KDUP_DISPATCH(device, kernel, ...)                                              \
  ((device) == ::kdup::Device::cuda ? ::kdup::cuda::kernel(__VA_ARGS__)                 \
                                    : ::kdup::cpu::kernel(__VA_ARGS__))
#else
#define KDUP_DISPATCH(device, kernel, ...)                                              \
  ((device) == ::kdup::Device::cuda ? ::kdup::throw_no_cuda_backend(#kernel)            \
                                    : ::kdup::cpu::kernel(__VA_ARGS__))
#endif
