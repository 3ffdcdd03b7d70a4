// max_pool2d and global_avg_pool2d: hand-made inputs (with padding), gradients, errors.
#include <vector>

#include "test_util.h"

namespace kdup {
namespace {

using test::leaf;

Tensor grid(const std::vector<double>& values, const Shape& shape) {
  Tensor t = Tensor::from_vector<double>(values, shape);
  t.set_requires_grad(true);
  return t;
}

TEST(Pool, MaxPoolWithoutPadding) {
  // 2x2 windows with stride 2 over a 4x4 plane; a second channel is the negation.
  std::vector<double> plane{3, 1, 0, 2,   //
                            4, 2, 7, 5,   //
                            1, 9, 6, 6.5, //
                            8, 0, 2, 3};
  std::vector<double> values = plane;
  for (double v : plane) values.push_back(-v);
  Tensor x = grid(values, {1, 2, 4, 4});
  Tensor y = max_pool2d(x, 2, 2);
  EXPECT_EQ(y.shape(), (Shape{1, 2, 2, 2}));
  test::expect_close(y.to_vector<double>(), {4, 7, 9, 6.5, -1, 0, 0, -2}, 0);
  sum(y).backward();
  // The gradient lands on each window's maximum.
  test::expect_close(x.grad().to_vector<double>(),
                     {0, 0, 0, 0,  1, 0, 1, 0,  0, 1, 0, 1,  0, 0, 0, 0,
                      0, 1, 1, 0,  0, 0, 0, 0,  0, 0, 0, 0,  0, 1, 1, 0},
                     0);
}

TEST(Pool, MaxPoolPaddingCountsAsMinusInfinity) {
  // All values negative: a zero padding would win every border window; -inf padding never does.
  // 3x3 windows, stride 2, padding 1 on 4x4 -> 2x2 windows over rows/cols {0,1} and {1,2,3}.
  std::vector<double> values;
  for (int i = 0; i < 16; ++i) values.push_back(-1.0 - i);
  Tensor x = grid(values, {1, 1, 4, 4});
  Tensor y = max_pool2d(x, 3, 2, 1);
  EXPECT_EQ(y.shape(), (Shape{1, 1, 2, 2}));
  test::expect_close(y.to_vector<double>(), {-1, -2, -5, -6}, 0);
  sum(y).backward();
  std::vector<double> expected(16, 0.0);
  for (int i : {0, 1, 4, 5}) expected[i] = 1;
  test::expect_close(x.grad().to_vector<double>(), expected, 0);
}

TEST(Pool, MaxPoolOverlappingWindowsAccumulateGradient) {
  // The centre of a 3x3 plane is the maximum of all four overlapping 2x2 windows (stride 1).
  Tensor x = grid({0, 1, 0, 2, 9, 3, 0, 4, 0}, {1, 1, 3, 3});
  Tensor y = max_pool2d(x, 2, 1);
  test::expect_close(y.to_vector<double>(), {9, 9, 9, 9}, 0);
  sum(y).backward();
  test::expect_close(x.grad().to_vector<double>(), {0, 0, 0, 0, 4, 0, 0, 0, 0}, 0);
}

TEST(Pool, MaxPoolTiesPickTheFirstPosition) {
  Tensor x = grid({5, 5, 5, 5}, {1, 1, 2, 2});
  Tensor y = max_pool2d(x, 2, 2);
  sum(y).backward();
  test::expect_close(x.grad().to_vector<double>(), {1, 0, 0, 0}, 0);
}

TEST(Pool, MaxPoolFloat32MatchesFloat64) {
  // Large enough for the parallel per-plane loop.
  Tensor x64 = Tensor::randn({4, 8, 40, 41}, 11, DType::f64);
  NoGradGuard no_grad;
  Tensor y64 = max_pool2d(x64, 3, 2, 1), y32 = max_pool2d(x64.to(DType::f32), 3, 2, 1);
  EXPECT_EQ(y32.dtype(), DType::f32);
  test::expect_close(y32.to_vector<double>(), y64.to_vector<double>(), 1e-6);
}

TEST(Pool, MaxPoolGradients) {
  struct PoolCase {
    int64_t kernel, stride, padding;
  };
  // Random normal inputs hold distinct values, so there are no ties and no kinks.
  uint64_t seed = 20;
  for (PoolCase c : {PoolCase{2, 2, 0}, PoolCase{3, 2, 1}, PoolCase{3, 1, 1}, PoolCase{2, 1, 0},
                     PoolCase{1, 1, 0}, PoolCase{3, 3, 0}}) {
    SCOPED_TRACE("kernel " + std::to_string(c.kernel) + " stride " + std::to_string(c.stride) +
                 " padding " + std::to_string(c.padding));
    test::expect_gradients_match(
        [c](const std::vector<Tensor>& in) {
          return max_pool2d(in[0], c.kernel, c.stride, c.padding);
        },
        {leaf({2, 2, 5, 6}, seed++)});
  }
}

TEST(Pool, GlobalAvgPoolForwardAndGradient) {
  Tensor x = grid({1, 2, 3, 6, 0, 0, 0, 4}, {1, 2, 2, 2});
  Tensor y = global_avg_pool2d(x);
  EXPECT_EQ(y.shape(), (Shape{1, 2}));
  test::expect_close(y.to_vector<double>(), {3, 1}, 1e-15);
  test::expect_gradients_match(
      [](const std::vector<Tensor>& in) { return global_avg_pool2d(in[0]); },
      {leaf({2, 3, 4, 5}, 30)});
}

TEST(Pool, RejectsBadArguments) {
  Tensor x = leaf({2, 3, 5, 5}, 40);
  test::expect_error([&] { max_pool2d(x.reshape({6, 5, 5}), 2, 2); },
                     {"max_pool2d", "rank 4", "[6, 5, 5]"});
  test::expect_error([&] { max_pool2d(x, 2, 2, 2); }, {"max_pool2d", "padding", "2"});
  test::expect_error([&] { max_pool2d(x, 7, 1); },
                     {"max_pool2d", "output size", "[2, 3, 5, 5]", "7"});
  test::expect_error([&] { max_pool2d(x, 0, 1); }, {"max_pool2d", "kernel"});
  test::expect_error([&] { max_pool2d(x, 2, 0); }, {"max_pool2d", "stride"});
  test::expect_error([&] { max_pool2d(Tensor::zeros({1, 1, 4, 4}, DType::i64), 2, 2); },
                     {"max_pool2d", "int64", "[1, 1, 4, 4]"});
  test::expect_error([&] { global_avg_pool2d(leaf({2, 3}, 41)); },
                     {"global_avg_pool2d", "rank 4", "[2, 3]"});
}

}  // namespace
}  // namespace kdup
