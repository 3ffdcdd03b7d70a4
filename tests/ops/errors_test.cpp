// Bad input is a kdup::Error that names the op and the shapes at fault.
#include "test_util.h"

namespace kdup {
namespace {

using test::expect_error;

Tensor f32(const Shape& shape) { return Tensor::zeros(shape, DType::f32); }

TEST(Errors, AddWithShapesThatDoNotBroadcast) {
  expect_error([] { add(f32({2, 3}), f32({3, 2})); }, {"add", "[2, 3]", "[3, 2]", "broadcast"});
  expect_error([] { mul(f32({4, 3}), f32({2, 3})); }, {"mul", "[4, 3]", "[2, 3]"});
}

TEST(Errors, DifferentRanksAreRefused) {
  // [N] with [N, 1] is not silently broadcast to [N, N].
  expect_error([] { add(f32({4}), f32({4, 1})); }, {"add", "[4]", "[4, 1]", "rank"});
  expect_error([] { sub(f32({4, 1}), f32({4})); }, {"sub", "[4, 1]", "[4]", "rank"});
}

TEST(Errors, MatmulInnerDimensionMismatch) {
  expect_error([] { matmul(f32({2, 3}), f32({4, 5})); }, {"matmul", "[2, 3]", "[4, 5]"});
  expect_error([] { matmul(f32({2, 3, 4}), f32({4, 5})); }, {"matmul", "[2, 3, 4]"});
  expect_error([] { linear(f32({2, 3}), f32({5, 4})); }, {"linear", "[2, 3]", "[5, 4]"});
  expect_error([] { linear(f32({2, 3}), f32({5, 3}), f32({4})); }, {"linear", "[4]", "[5, 3]"});
}

TEST(Errors, DtypeMismatch) {
  expect_error([] { add(f32({2}), Tensor::zeros({2}, DType::f64)); },
               {"add", "float32", "float64", "[2]"});
  expect_error(
      [] {
        matmul(f32({2, 2}), Tensor::zeros({2, 2}, DType::f64));
      },
      {"matmul", "float32", "float64"});
  expect_error([] { exp(Tensor::arange(3)); }, {"exp", "int64", "[3]"});
}

TEST(Errors, DimensionOutOfRange) {
  expect_error([] { sum(f32({2, 3}), {2}); }, {"sum", "dimension 2", "[2, 3]"});
  expect_error([] { sum(f32({2, 3}), {-3}); }, {"sum", "dimension -3", "[2, 3]"});
  expect_error([] { mean(f32({2, 3}), {5}); }, {"mean", "[2, 3]"});
  expect_error([] { max(f32({2, 3}), 2); }, {"max", "[2, 3]"});
  expect_error([] { logsumexp(f32({2, 3}), -3); }, {"logsumexp", "[2, 3]"});
  expect_error([] { f32({2, 3}).transpose(0, 2); }, {"transpose", "dimension 2", "[2, 3]"});
  expect_error([] { f32({2, 3}).slice(2, 0, 1); }, {"slice", "dimension 2", "[2, 3]"});
  expect_error([] { f32({2, 3}).slice(1, 1, 4); }, {"slice", "[1, 4)", "[2, 3]"});
  expect_error([] { f32({2, 3}).reshape({4, 2}); }, {"reshape", "[2, 3]", "[4, 2]"});
}

#ifndef KDUP_WITH_CUDA
TEST(Errors, CudaWithoutACudaBackend) {
  EXPECT_FALSE(cuda_available());
  expect_error([] { Tensor::zeros({2}, DType::f32, Device::cuda); }, {"no CUDA backend"});
  expect_error([] { f32({2}).to(Device::cuda); }, {"no CUDA backend"});
}
#endif

}  // namespace
}  // namespace kdup
