// KDUP_HD marks per-element math that the CPU kernels and their CUDA twins share: the CPU tests run
// these functions over every index, so their math is checked even on a machine without a GPU.
#pragma once
#if defined(__CUDACC__)
#define KDUP_HD __host__ __device__ __forceinline__
#else
#define KDUP_HD inline
#endif
