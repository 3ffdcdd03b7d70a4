// How a cuDNN convolution algorithm is chosen (cuda/conv2d.cu runs it):
//   1. The descriptor's math type is CUDNN_FMA_MATH (plain float32/float64 FMA arithmetic), or
//      CUDNN_DEFAULT_MATH, which lets cuDNN use TF32 tensor cores, for float32 with run.allow_tf32.
//   2. cuDNN's heuristics (cudnnGet*Algorithm_v7) rank every algorithm, fastest first. Kept are
//      those it reports as supported, whose math type keeps float32 exact (no tensor-op kind unless
//      TF32 is allowed; never a conversion to half), and, under run.deterministic, those reported
//      CUDNN_DETERMINISTIC. Each keeps its exact workspace size for the math type it runs with.
//   3. A call takes the first algorithm of the list whose workspace can be allocated. When the
//      allocation fails, the workspace is released and the next algorithm is tried, down to those
//      needing no workspace (cuDNN ranks implicit-GEMM kinds among them for every direction); the
//      shape starts from that one from then on (memory is short at this size: asking again each
//      step would flush the allocator's cache every time). An algorithm cuDNN declines to run
//      with the chosen math type (a NOT_SUPPORTED status) is skipped the same way.
#pragma once
#include <cudnn.h>

#include <array>
#include <cstdint>
#include <functional>

#include "cuda/conv2d_descriptors.h"
#include "ops/backend_options.h"

namespace kdup::cuda {

enum class ConvDirection { forward, backward_data, backward_weight };

// A runnable algorithm: its number in the direction's cuDNN enum, the math type it runs with and
// the workspace it needs with that math type.
struct ConvAlgorithm {
  int algo = 0;
  cudnnMathType_t math = CUDNN_FMA_MATH;
  size_t workspace = 0;
};

// Step 1: the math type a convolution descriptor is created with.
cudnnMathType_t descriptor_math(DType dtype, const BackendOptions& options);

// Step 2 for one of cuDNN's ranked results: whether it may run, and with which math type.
bool algorithm_allowed(cudnnStatus_t status, cudnnDeterminism_t determinism,
                       cudnnMathType_t perf_math, DType dtype, const BackendOptions& options,
                       cudnnMathType_t* run_math);

// What the chosen algorithms are cached by: direction, dtype, x's shape, the kernel, stride,
// padding, and the backend options.
using ConvKey = std::array<int64_t, 13>;
ConvKey conv_key(ConvDirection d, const Shape& x, const Shape& w, Conv2dParams p, DType dtype,
                 const BackendOptions& options);

// Runs `launch(algorithm, workspace)` with the first algorithm of step 2's list that gets its
// workspace (step 3). `launch` makes the cuDNN call and returns its status; a failure throws
// naming `what`.
using ConvLaunch = std::function<cudnnStatus_t(const ConvAlgorithm&, void* workspace)>;
void run_convolution(ConvDirection d, const ConvDescriptors& desc, const ConvKey& key, DType dtype,
                     const BackendOptions& options, const ConvLaunch& launch, const char* what);

}  // namespace kdup::cuda
