// Reductions: sum, mean, max and logsumexp, their values and gradients.
#include <cmath>
#include <limits>

#include "test_util.h"

namespace kdup {
namespace {

using test::expect_close;
using test::expect_gradients_match;
using test::leaf;

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

// [2, 3] with values 1..6.
Tensor small_matrix() { return Tensor::from_vector<double>({1, 2, 3, 4, 5, 6}, {2, 3}); }

TEST(Sum, Values) {
  Tensor x = small_matrix();
  Tensor all = sum(x);
  EXPECT_EQ(all.shape(), Shape{});
  EXPECT_EQ(all.item(), 21);
  EXPECT_EQ(sum(x, {0}).shape(), (Shape{3}));
  expect_close(values(sum(x, {0})), {5, 7, 9}, 0);
  expect_close(values(sum(x, {1})), {6, 15}, 0);
  expect_close(values(sum(x, {-1})), {6, 15}, 0);
  expect_close(values(sum(x, {-2})), {5, 7, 9}, 0);
  EXPECT_EQ(sum(x, {1}, true).shape(), (Shape{2, 1}));
  EXPECT_EQ(sum(x, {0}, true).shape(), (Shape{1, 3}));
  Tensor both = sum(x, {0, 1}, true);
  EXPECT_EQ(both.shape(), (Shape{1, 1}));
  EXPECT_EQ(both.item(), 21);
}

TEST(Sum, SeveralDimsOfA4dTensor) {
  Tensor x = Tensor::arange(24, DType::f64).reshape({2, 3, 2, 2});
  // Sum over N, H, W per channel: channel c holds 4c..4c+3 and 12+4c..12+4c+3.
  Tensor per_channel = sum(x, {0, 2, 3});
  EXPECT_EQ(per_channel.shape(), (Shape{3}));
  expect_close(values(per_channel), {60, 92, 124}, 0);
  Tensor kept = sum(x, {-1, 0, -2}, true);
  EXPECT_EQ(kept.shape(), (Shape{1, 3, 1, 1}));
  expect_close(values(kept), {60, 92, 124}, 0);
  EXPECT_THROW(sum(x, {1, -3}), Error);  // the same dimension twice
}

TEST(Sum, Gradients) {
  Tensor x = leaf({2, 3, 4}, 1);
  expect_gradients_match([](const std::vector<Tensor>& in) { return sum(in[0]); }, {x});
  expect_gradients_match([](const std::vector<Tensor>& in) { return sum(in[0], {1}); }, {x});
  expect_gradients_match([](const std::vector<Tensor>& in) { return sum(in[0], {-1}, true); }, {x});
  expect_gradients_match([](const std::vector<Tensor>& in) { return sum(in[0], {0, 2}); }, {x});
  expect_gradients_match(
      [](const std::vector<Tensor>& in) {
        return sum(in[0], {2, -3}, true);
      },
      {x});
  // Of a non-contiguous view.
  expect_gradients_match(
      [](const std::vector<Tensor>& in) { return sum(in[0].transpose(0, 2), {0}); }, {x});
}

TEST(Sum, OfARankZeroTensorIsACopy) {
  Tensor x = Tensor::full({}, 3.0, DType::f64);
  Tensor s = sum(x);
  EXPECT_EQ(s.item(), 3.0);
  EXPECT_NE(s.raw_data(), x.raw_data());
}

TEST(Mean, ValuesAndGradients) {
  Tensor x = small_matrix();
  EXPECT_DOUBLE_EQ(mean(x).item(), 3.5);
  expect_close(values(mean(x, {0})), {2.5, 3.5, 4.5}, 1e-15);
  expect_close(values(mean(x, {-1}, true)), {2, 5}, 1e-15);
  EXPECT_EQ(mean(x, {-1}, true).shape(), (Shape{2, 1}));
  Tensor y = leaf({3, 2, 4}, 2);
  expect_gradients_match([](const std::vector<Tensor>& in) { return mean(in[0]); }, {y});
  expect_gradients_match([](const std::vector<Tensor>& in) { return mean(in[0], {0, 2}); }, {y});
  expect_gradients_match([](const std::vector<Tensor>& in) { return mean(in[0], {1}, true); }, {y});
}

TEST(Max, ValuesAndIndices) {
  Tensor x = Tensor::from_vector<double>({1, 7, 3, 9, 2, 4}, {2, 3});
  auto [rows, row_index] = max_with_indices(x, 1);
  expect_close(values(rows), {7, 9}, 0);
  EXPECT_EQ(row_index.dtype(), DType::i64);
  EXPECT_EQ(row_index.to_vector<int64_t>(), (std::vector<int64_t>{1, 0}));
  auto [cols, col_index] = max_with_indices(x, 0, true);
  EXPECT_EQ(cols.shape(), (Shape{1, 3}));
  expect_close(values(cols), {9, 7, 4}, 0);
  EXPECT_EQ(col_index.to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 1}));
  expect_close(values(max(x, -1)), {7, 9}, 0);
  // Ties go to the first position.
  Tensor tied = Tensor::from_vector<double>({2, 5, 5, 1}, {1, 4});
  EXPECT_EQ(max_with_indices(tied, 1).second.to_vector<int64_t>(), (std::vector<int64_t>{1}));
}

TEST(Max, GradientGoesToTheArgmaxOnly) {
  Tensor x = Tensor::from_vector<double>({1, 7, 3, 9, 2, 4, 5, 5, 0}, {3, 3});
  x.set_requires_grad(true);
  Tensor weights = Tensor::from_vector<double>({1, 2, 3}, {3});
  sum(max(x, 1) * weights).backward();
  // The tied row {5, 5, 0} sends its gradient to the first 5.
  expect_close(values(x.grad()), {0, 1, 0, 2, 0, 0, 3, 0, 0}, 0);
  // Random inputs have no ties: the gradient checker agrees (in every dimension).
  Tensor y = leaf({3, 4, 2}, 3);
  for (int64_t dim : {0, 1, 2, -1}) {
    SCOPED_TRACE(dim);
    expect_gradients_match([dim](const std::vector<Tensor>& in) { return max(in[0], dim); }, {y});
    expect_gradients_match([dim](const std::vector<Tensor>& in) { return max(in[0], dim, true); },
                           {y});
  }
}

// log(sum(exp(x))) straight from the definition.
std::vector<double> logsumexp_rows(const std::vector<double>& x, int64_t rows, int64_t cols) {
  std::vector<double> out;
  for (int64_t r = 0; r < rows; ++r) {
    double total = 0;
    for (int64_t c = 0; c < cols; ++c) total += std::exp(x[r * cols + c]);
    out.push_back(std::log(total));
  }
  return out;
}

TEST(Logsumexp, MatchesTheDirectFormula) {
  Tensor x = Tensor::randn({4, 5}, 4, DType::f64);
  Tensor rows = logsumexp(x, 1);
  EXPECT_EQ(rows.shape(), (Shape{4}));
  expect_close(values(rows), logsumexp_rows(values(x), 4, 5), 1e-12);
  EXPECT_EQ(logsumexp(x, -1, true).shape(), (Shape{4, 1}));
  expect_close(values(logsumexp(x, 0)), logsumexp_rows(values(x.t().contiguous()), 5, 4), 1e-12);
}

TEST(Logsumexp, LargeInputsStayFinite) {
  Tensor x = Tensor::from_vector<double>({1000, 1000, 999, -1000, -1001, -1000}, {2, 3});
  std::vector<double> v = values(logsumexp(x, 1));
  expect_close(v, {1000 + std::log(2 + std::exp(-1.0)), -1000 + std::log(2 + std::exp(-1.0))},
               1e-12);
  Tensor f = Tensor::from_vector<float>({100, 100, 90}, {1, 3});  // exp(100) overflows float32
  float lse = logsumexp(f, 1).to_vector<float>()[0];
  EXPECT_TRUE(std::isfinite(lse));
  EXPECT_NEAR(lse, 100 + std::log(2 + std::exp(-10.0)), 1e-4);
}

TEST(Logsumexp, ARowOfMinusInfinityGivesMinusInfinity) {
  const double inf = std::numeric_limits<double>::infinity();
  Tensor x = Tensor::from_vector<double>({-inf, -inf, -inf, 0, -inf, 1}, {2, 3});
  std::vector<double> v = values(logsumexp(x, 1));
  EXPECT_EQ(v[0], -inf);
  EXPECT_FALSE(std::isnan(v[0]));
  EXPECT_NEAR(v[1], std::log(1 + std::exp(1.0)), 1e-12);
}

TEST(Logsumexp, Gradients) {
  Tensor x = leaf({3, 4}, 5, 3.0);
  expect_gradients_match([](const std::vector<Tensor>& in) { return logsumexp(in[0], 1); }, {x});
  expect_gradients_match([](const std::vector<Tensor>& in) { return logsumexp(in[0], 0, true); },
                         {x});
  // The gradient of logsumexp is the softmax: each row sums to 1.
  x.zero_grad();  // the checker left its own gradient there
  sum(logsumexp(x, 1)).backward();
  expect_close(values(sum(x.grad(), {1})), {1, 1, 1}, 1e-12);
}

}  // namespace
}  // namespace kdup
