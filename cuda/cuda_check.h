// Error checks for CUDA runtime, cuBLAS and cuDNN calls: a failing call throws kdup::Error naming
// the call, where it was made and the library's own description of the failure.
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include "tensor/error.h"

namespace kdup::cuda {

// Each library names its own failures.
inline const char* error_text(cudaError_t e) { return cudaGetErrorString(e); }
inline const char* error_text(cublasStatus_t s) { return cublasGetStatusString(s); }
inline const char* error_text(cudnnStatus_t s) { return cudnnGetErrorString(s); }

}  // namespace kdup::cuda

#define KDUP_GPU_CHECK_IMPL(call, success)                                                 \
  do {                                                                                     \
    const auto kdup_status_ = (call);                                                      \
    KDUP_CHECK(kdup_status_ == (success), #call << " failed at " << __FILE__ << ":"        \
                                                << __LINE__ << ": "                         \
                                                << ::kdup::cuda::error_text(kdup_status_)); \
  } while (0)

#define KDUP_CUDA_CHECK(call) KDUP_GPU_CHECK_IMPL(call, cudaSuccess)
#define KDUP_CUBLAS_CHECK(call) KDUP_GPU_CHECK_IMPL(call, CUBLAS_STATUS_SUCCESS)
#define KDUP_CUDNN_CHECK(call) KDUP_GPU_CHECK_IMPL(call, CUDNN_STATUS_SUCCESS)
