// softmax and log_softmax: values, stability, gradients along the last and a leading dimension.
#include <cmath>

#include "ops/math/softmax_math.h"
#include "test_util.h"

namespace kdup {
namespace {

using test::leaf;

TEST(Softmax, MatchesAHandComputation) {
  Tensor x = Tensor::from_vector<double>({1, 2, 3, 0, 0, 0}, {2, 3});
  const double e1 = std::exp(1.0), e2 = std::exp(2.0), e3 = std::exp(3.0);
  const double total = e1 + e2 + e3;
  test::expect_close(softmax(x).to_vector<double>(),
                     {e1 / total, e2 / total, e3 / total, 1.0 / 3, 1.0 / 3, 1.0 / 3}, 1e-12);
  test::expect_close(log_softmax(x).to_vector<double>(),
                     {1 - std::log(total), 2 - std::log(total), 3 - std::log(total),
                      -std::log(3.0), -std::log(3.0), -std::log(3.0)},
                     1e-12);
}

TEST(Softmax, RowsSumToOne) {
  Tensor x = Tensor::randn({4, 7}, 11, DType::f32);
  std::vector<float> y = softmax(x).to_vector<float>();
  for (int r = 0; r < 4; ++r) {
    double total = 0;
    for (int c = 0; c < 7; ++c) total += y[r * 7 + c];
    EXPECT_NEAR(total, 1.0, 1e-6) << "row " << r;
  }
}

TEST(Softmax, LeadingDimensionSumsToOneAlongIt) {
  Tensor x = Tensor::randn({3, 4}, 12, DType::f64);
  std::vector<double> y = softmax(x, 0).to_vector<double>();
  for (int c = 0; c < 4; ++c) EXPECT_NEAR(y[c] + y[4 + c] + y[8 + c], 1.0, 1e-12) << "column " << c;
  // Along dim 0 equals the transposed problem along the last dimension.
  test::expect_close(y, softmax(x.t(), -1).t().contiguous().to_vector<double>(), 1e-12);
}

TEST(Softmax, LargeInputsStayFinite) {
  Tensor x = Tensor::from_vector<float>({1000, 999, -1000, 1000}, {1, 4});
  std::vector<float> log_y = log_softmax(x).to_vector<float>();
  for (float v : log_y) EXPECT_TRUE(std::isfinite(v)) << v;
  EXPECT_NEAR(log_y[0], -std::log(2.0 + std::exp(-1.0)), 1e-5);
  EXPECT_NEAR(log_y[2], -2000 - std::log(2.0 + std::exp(-1.0)), 1e-2);
  std::vector<float> y = softmax(x).to_vector<float>();
  for (float v : y) EXPECT_TRUE(std::isfinite(v)) << v;
  EXPECT_NEAR(y[0], y[3], 1e-7);
}

TEST(Softmax, RowMathHonoursStride) {
  // The shared row math on every other element of a buffer (as a strided CUDA row would use it).
  std::vector<double> x = {0, 9, std::log(2.0), 9, std::log(5.0), 9};
  std::vector<double> y(6, -1.0);
  softmax_row(x.data(), y.data(), 3, 2, /*log=*/false);
  test::expect_close(y, {0.125, -1, 0.25, -1, 0.625, -1}, 1e-12);
  // Backward of softmax with g = e_0: dy_0/dx = y_0 (e_0 - y_0).
  std::vector<double> g = {1, 9, 0, 9, 0, 9}, gx(6, -1.0);
  softmax_row_backward(y.data(), g.data(), gx.data(), 3, 2, /*log=*/false);
  test::expect_close(gx, {0.125 * 0.875, -1, -0.25 * 0.125, -1, -0.625 * 0.125, -1}, 1e-12);
}

TEST(Softmax, GradientLastDimension) {
  test::expect_gradients_match([](const std::vector<Tensor>& in) { return softmax(in[0]); },
                               {leaf({3, 5}, 21)});
}

TEST(Softmax, GradientLeadingDimension) {
  test::expect_gradients_match([](const std::vector<Tensor>& in) { return softmax(in[0], 0); },
                               {leaf({4, 3}, 22)});
}

TEST(Softmax, LogSoftmaxGradientLastDimension) {
  test::expect_gradients_match([](const std::vector<Tensor>& in) { return log_softmax(in[0]); },
                               {leaf({3, 5}, 23, 2.0)});
}

TEST(Softmax, LogSoftmaxGradientDimensionZero) {
  test::expect_gradients_match(
      [](const std::vector<Tensor>& in) { return log_softmax(in[0], 0); }, {leaf({4, 2, 3}, 24)});
}

TEST(Softmax, RejectsBadInput) {
  test::expect_error([] { softmax(Tensor::from_vector<int64_t>({1, 2}, {2})); },
                     {"softmax", "float"});
  test::expect_error([] { log_softmax(Tensor::zeros({2, 3}), 2); }, {"log_softmax", "dimension 2"});
}

}  // namespace
}  // namespace kdup
