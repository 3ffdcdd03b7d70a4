// The policy that picks cuDNN convolution algorithms (cuda/conv2d_algorithms.h), checked on the
// host: it needs cuDNN's headers, not a GPU. Which math a float32 convolution may use, which of
// cuDNN's ranked results are allowed under run.deterministic and run.allow_tf32, and that the
// options take part in the cache key.
#include <gtest/gtest.h>

#ifdef KDUP_WITH_CUDA
#include "cuda/conv2d_algorithms.h"

namespace kdup::cuda {
namespace {

constexpr BackendOptions kDefault{};
constexpr BackendOptions kDeterministic{true, false};
constexpr BackendOptions kTf32{false, true};

// algorithm_allowed for a supported result, returning the math it would run with (or -1).
int run_math_of(cudnnMathType_t perf_math, DType dtype, const BackendOptions& options,
                cudnnDeterminism_t determinism = CUDNN_DETERMINISTIC) {
  cudnnMathType_t run = CUDNN_DEFAULT_MATH;
  if (!algorithm_allowed(CUDNN_STATUS_SUCCESS, determinism, perf_math, dtype, options, &run))
    return -1;
  return static_cast<int>(run);
}

TEST(Conv2dAlgorithms, Float32DescriptorsUseFmaUnlessTf32IsAllowed) {
  EXPECT_EQ(descriptor_math(DType::f32, kDefault), CUDNN_FMA_MATH);
  EXPECT_EQ(descriptor_math(DType::f32, kDeterministic), CUDNN_FMA_MATH);
  EXPECT_EQ(descriptor_math(DType::f32, kTf32), CUDNN_DEFAULT_MATH);
  EXPECT_EQ(descriptor_math(DType::f64, kTf32), CUDNN_FMA_MATH);
}

TEST(Conv2dAlgorithms, TensorOpAlgorithmsAreRefusedForExactFloat32) {
  for (DType dtype : {DType::f32, DType::f64}) {
    EXPECT_EQ(run_math_of(CUDNN_TENSOR_OP_MATH, dtype, kDefault), -1);
    EXPECT_EQ(run_math_of(CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION, dtype, kDefault), -1);
    // Default-math results run restricted to FMA kernels: TF32 cannot come in through them.
    EXPECT_EQ(run_math_of(CUDNN_DEFAULT_MATH, dtype, kDefault), CUDNN_FMA_MATH);
    EXPECT_EQ(run_math_of(CUDNN_FMA_MATH, dtype, kDefault), CUDNN_FMA_MATH);
  }
}

TEST(Conv2dAlgorithms, Tf32AllowsTensorOpsButNeverHalfConversion) {
  EXPECT_EQ(run_math_of(CUDNN_TENSOR_OP_MATH, DType::f32, kTf32), CUDNN_TENSOR_OP_MATH);
  EXPECT_EQ(run_math_of(CUDNN_DEFAULT_MATH, DType::f32, kTf32), CUDNN_DEFAULT_MATH);
  EXPECT_EQ(run_math_of(CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION, DType::f32, kTf32), -1);
  EXPECT_EQ(run_math_of(CUDNN_TENSOR_OP_MATH, DType::f64, kTf32), -1);  // TF32 is float32 only
}

TEST(Conv2dAlgorithms, DeterministicRunsRefuseNondeterministicAlgorithms) {
  EXPECT_EQ(run_math_of(CUDNN_FMA_MATH, DType::f32, kDefault, CUDNN_NON_DETERMINISTIC),
            CUDNN_FMA_MATH);
  EXPECT_EQ(run_math_of(CUDNN_FMA_MATH, DType::f32, kDeterministic, CUDNN_NON_DETERMINISTIC), -1);
  EXPECT_EQ(run_math_of(CUDNN_FMA_MATH, DType::f32, kDeterministic, CUDNN_DETERMINISTIC),
            CUDNN_FMA_MATH);
}

TEST(Conv2dAlgorithms, UnsupportedResultsAreRefused) {
  cudnnMathType_t run = CUDNN_DEFAULT_MATH;
  EXPECT_FALSE(algorithm_allowed(CUDNN_STATUS_NOT_SUPPORTED, CUDNN_DETERMINISTIC, CUDNN_FMA_MATH,
                                 DType::f32, kDefault, &run));
}

TEST(Conv2dAlgorithms, CacheKeysTellOptionsAndDirectionsApart) {
  const Shape x{8, 64, 32, 32}, w{128, 64, 3, 3};
  const Conv2dParams p{2, 1};
  const ConvKey base = conv_key(ConvDirection::forward, x, w, p, DType::f32, kDefault);
  EXPECT_NE(base, conv_key(ConvDirection::forward, x, w, p, DType::f32, kDeterministic));
  EXPECT_NE(base, conv_key(ConvDirection::forward, x, w, p, DType::f32, kTf32));
  EXPECT_NE(base, conv_key(ConvDirection::backward_data, x, w, p, DType::f32, kDefault));
  EXPECT_NE(base, conv_key(ConvDirection::forward, x, w, p, DType::f64, kDefault));
  EXPECT_NE(base, conv_key(ConvDirection::forward, x, w, Conv2dParams{1, 1}, DType::f32, kDefault));
  EXPECT_EQ(base, conv_key(ConvDirection::forward, x, w, p, DType::f32, kDefault));
}

}  // namespace
}  // namespace kdup::cuda
#endif  // KDUP_WITH_CUDA
