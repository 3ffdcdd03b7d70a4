// The per-process CUDA context of kdup: one stream that every kernel, copy and library call runs on,
// the cuBLAS and cuDNN handles bound to it (created on first use), and one cuDNN workspace that grows
// to the largest size any call has asked for and is given back when an allocation fails.
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <cstddef>

namespace kdup::cuda {

cudaStream_t stream();
cublasHandle_t cublas_handle();
cudnnHandle_t cudnn_handle();
// A device buffer of at least `bytes`, valid until the next call (nullptr when bytes is 0). When the
// allocation throws, the workspace is left empty (no buffer, size 0), never half-updated.
void* cudnn_workspace(size_t bytes);
// Returns the workspace to the caching allocator; the next cudnn_workspace allocates afresh. The
// convolutions call this when a workspace cannot be had, before trying an algorithm needing less.
void release_cudnn_workspace();

}  // namespace kdup::cuda
