// Launch geometry shared by the hand-written kernels: one thread per element in a grid-stride loop,
// or one block per row.
#pragma once
#include <algorithm>
#include <cstdint>

#include "cuda/cuda_check.h"
#include "cuda/handles.h"

namespace kdup::cuda {

constexpr int kThreadsPerBlock = 256;

// Enough blocks to cover n elements, capped: the kernels loop with a grid stride beyond that.
inline unsigned int blocks_for(int64_t n) {
  const int64_t blocks = (n + kThreadsPerBlock - 1) / kThreadsPerBlock;
  return static_cast<unsigned int>(std::clamp<int64_t>(blocks, 1, 65535 * 4));
}

// Grid-stride loop over [0, n): each thread takes i, i + gridDim*blockDim, ...
#define KDUP_GRID_LOOP(i, n)                                                          \
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < (n);           \
       i += int64_t(blockDim.x) * gridDim.x)

// Checks the launch that just happened (bad configuration, missing kernel image for this GPU).
inline void check_launch(const char* kernel) {
  const cudaError_t e = cudaGetLastError();
  KDUP_CHECK(e == cudaSuccess, kernel << ": CUDA kernel launch failed: " << cudaGetErrorString(e));
}

}  // namespace kdup::cuda
