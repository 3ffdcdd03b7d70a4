// Elementwise ops: float64 gradient checks (with broadcasting), forward values on hand-made inputs,
// comparison masks and selection.
#include <cmath>
#include <functional>
#include <limits>

#include "test_util.h"

namespace kdup {
namespace {

using test::expect_close;
using test::expect_gradients_match;
using test::leaf;

using Binary = std::function<Tensor(const Tensor&, const Tensor&)>;
using Unary = std::function<Tensor(const Tensor&)>;

// A float64 leaf holding exactly these values.
Tensor leaf_of(const std::vector<double>& values, const Shape& shape) {
  Tensor t = Tensor::from_vector(values, shape);
  t.set_requires_grad(true);
  return t;
}

// A float64 leaf with random values pushed at least `gap` away from 0 (keeps kinks out of reach).
Tensor leaf_away_from_zero(const Shape& shape, uint64_t seed, double gap = 0.1) {
  std::vector<double> v = Tensor::randn(shape, seed, DType::f64).to_vector<double>();
  for (double& x : v) x += x < 0 ? -gap : gap;
  return leaf_of(v, shape);
}

// Positive values around 2 (log, sqrt, fractional powers and divisors stay smooth).
Tensor positive_leaf(const Shape& shape, uint64_t seed) { return leaf(shape, seed, 0.3, 2.0); }

void check_binary_gradients(const Binary& op, const Shape& shape_a, const Shape& shape_b) {
  Tensor a = leaf(shape_a, 11), b = positive_leaf(shape_b, 12);
  expect_gradients_match([&](const std::vector<Tensor>& in) { return op(in[0], in[1]); }, {a, b});
}

void check_all_binary_ops(const Shape& shape_a, const Shape& shape_b) {
  SCOPED_TRACE(shape_str(shape_a) + " with " + shape_str(shape_b));
  check_binary_gradients([](const Tensor& a, const Tensor& b) { return add(a, b); }, shape_a,
                         shape_b);
  check_binary_gradients([](const Tensor& a, const Tensor& b) { return sub(a, b); }, shape_a,
                         shape_b);
  check_binary_gradients([](const Tensor& a, const Tensor& b) { return mul(a, b); }, shape_a,
                         shape_b);
  check_binary_gradients([](const Tensor& a, const Tensor& b) { return div(a, b); }, shape_a,
                         shape_b);
  // The same with the operands swapped (the divisor is then the random side).
  check_binary_gradients([](const Tensor& a, const Tensor& b) { return add(b, a); }, shape_a,
                         shape_b);
  check_binary_gradients([](const Tensor& a, const Tensor& b) { return sub(b, a); }, shape_a,
                         shape_b);
  check_binary_gradients([](const Tensor& a, const Tensor& b) { return mul(b, a); }, shape_a,
                         shape_b);
}

TEST(ElementwiseGrad, BinarySameShape) { check_all_binary_ops({3, 4}, {3, 4}); }
TEST(ElementwiseGrad, BinaryRowBroadcast) { check_all_binary_ops({4, 3}, {1, 3}); }
TEST(ElementwiseGrad, BinaryChannelBroadcast) { check_all_binary_ops({2, 3, 2, 2}, {1, 3, 1, 1}); }
TEST(ElementwiseGrad, BinaryRankZeroScalar) {
  check_all_binary_ops({2, 3}, {});
  check_all_binary_ops({}, {2, 3});
}
TEST(ElementwiseGrad, BinaryBothOperandsBroadcast) { check_all_binary_ops({3, 1}, {1, 4}); }

TEST(ElementwiseGrad, ScalarOperators) {
  Tensor x = leaf({3, 4}, 21);
  expect_gradients_match([](const std::vector<Tensor>& in) { return in[0] * 2.0; }, {x});
  expect_gradients_match([](const std::vector<Tensor>& in) { return 1.0 - in[0]; }, {x});
  expect_gradients_match([](const std::vector<Tensor>& in) { return in[0] / 3.0; }, {x});
  expect_gradients_match([](const std::vector<Tensor>& in) { return in[0] + 1.0; }, {x});
  expect_gradients_match([](const std::vector<Tensor>& in) { return 2.0 * in[0] - 0.5; }, {x});
}

TEST(ElementwiseGrad, SmoothUnaryOps) {
  Tensor x = leaf({3, 4}, 31), p = positive_leaf({3, 4}, 32);
  expect_gradients_match([](const std::vector<Tensor>& in) { return neg(in[0]); }, {x});
  expect_gradients_match([](const std::vector<Tensor>& in) { return -in[0]; }, {x});
  expect_gradients_match([](const std::vector<Tensor>& in) { return exp(in[0]); }, {x});
  expect_gradients_match([](const std::vector<Tensor>& in) { return log(in[0]); }, {p});
  expect_gradients_match([](const std::vector<Tensor>& in) { return sqrt(in[0]); }, {p});
}

TEST(ElementwiseGrad, KinkedUnaryOpsAwayFromTheKink) {
  Tensor x = leaf_away_from_zero({4, 5}, 41);
  expect_gradients_match([](const std::vector<Tensor>& in) { return relu(in[0]); }, {x});
  expect_gradients_match([](const std::vector<Tensor>& in) { return abs(in[0]); }, {x});
}

TEST(ElementwiseGrad, AddReluAwayFromTheKinkWithBroadcasting) {
  // |a| >= 0.5 and |b| < 0.1 here, so a + b keeps a's sign under the finite differences.
  Tensor a = leaf_away_from_zero({4, 5}, 42, 0.5);
  Tensor b = leaf({1, 5}, 43, 0.02);
  for (double v : b.to_vector<double>()) ASSERT_LT(std::fabs(v), 0.1);
  expect_gradients_match([](const std::vector<Tensor>& in) { return add_relu(in[0], in[1]); },
                         {a, b});
}

TEST(ElementwiseGrad, AddReluEqualsReluOfTheSumExactly) {
  const Tensor a0 = Tensor::randn({3, 4, 5}, 44), b0 = Tensor::randn({3, 4, 5}, 45);
  const Tensor g = Tensor::randn({3, 4, 5}, 46);
  std::vector<std::vector<float>> results[2];
  for (int fused = 0; fused < 2; ++fused) {
    Tensor a = a0.clone().set_requires_grad(true), b = b0.clone().set_requires_grad(true);
    Tensor y = fused ? add_relu(a, b) : relu(a + b);
    sum(y * g).backward();
    for (const Tensor& t : {y, a.grad(), b.grad()}) results[fused].push_back(t.to_vector<float>());
  }
  EXPECT_EQ(results[1], results[0]);
}

TEST(ElementwiseGrad, Pow) {
  Tensor p = positive_leaf({3, 4}, 51);
  for (double exponent : {2.0, 3.0, 0.5}) {
    SCOPED_TRACE(exponent);
    expect_gradients_match(
        [exponent](const std::vector<Tensor>& in) { return pow(in[0], exponent); }, {p});
  }
}

TEST(ElementwiseGrad, ClampAwayFromTheBounds) {
  // Below, inside and above [-0.5, 0.5], never within 0.1 of a bound.
  Tensor x = leaf_of({-2.0, -0.9, -0.4, -0.1, 0.0, 0.2, 0.35, 0.6, 1.1, 3.0}, {2, 5});
  expect_gradients_match([](const std::vector<Tensor>& in) { return clamp(in[0], -0.5, 0.5); },
                         {x});
  expect_gradients_match([](const std::vector<Tensor>& in) { return clamp_min(in[0], 0.5); }, {x});
}

TEST(ElementwiseGrad, WhereAndMaskedFill) {
  Tensor a = leaf({3, 4}, 61), b = leaf({3, 4}, 62), row = leaf({1, 4}, 63);
  Tensor cond = gt(Tensor::randn({3, 4}, 64, DType::f64), Tensor::zeros({}, DType::f64));
  expect_gradients_match([&](const std::vector<Tensor>& in) { return where(cond, in[0], in[1]); },
                         {a, b});
  expect_gradients_match([&](const std::vector<Tensor>& in) { return where(cond, in[0], in[1]); },
                         {row, b});
  expect_gradients_match(
      [&](const std::vector<Tensor>& in) { return masked_fill(in[0], cond, -3.0); }, {a});
}

TEST(ElementwiseGrad, WhereSendsTheGradientOnlyToTheSelectedSide) {
  Tensor a = leaf({2, 3}, 71), b = leaf({2, 3}, 72);
  std::vector<uint8_t> pick = {1, 0, 1, 1, 0, 0};
  Tensor cond = Tensor::from_vector(pick, {2, 3});
  sum(where(cond, a, b)).backward();
  std::vector<double> ga = a.grad().to_vector<double>(), gb = b.grad().to_vector<double>();
  for (size_t i = 0; i < pick.size(); ++i) {
    EXPECT_EQ(ga[i], pick[i] ? 1.0 : 0.0) << i;
    EXPECT_EQ(gb[i], pick[i] ? 0.0 : 1.0) << i;
  }
  Tensor x = leaf({2, 3}, 73);
  sum(masked_fill(x, cond, 5.0) * 2.0).backward();
  std::vector<double> gx = x.grad().to_vector<double>();
  for (size_t i = 0; i < pick.size(); ++i) EXPECT_EQ(gx[i], pick[i] ? 0.0 : 2.0) << i;
}

// ---- forward values
// ------------------------------------------------------------------------------

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

TEST(ElementwiseForward, BinaryOpsWithBroadcasting) {
  Tensor a = Tensor::from_vector<double>({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor row = Tensor::from_vector<double>({10, 20, 30}, {1, 3});
  Tensor col = Tensor::from_vector<double>({2, 4}, {2, 1});
  Tensor s = Tensor::full({}, 2.0, DType::f64);
  expect_close(values(a + row), {11, 22, 33, 14, 25, 36}, 0);
  expect_close(values(a - col), {-1, 0, 1, 0, 1, 2}, 0);
  expect_close(values(a * s), {2, 4, 6, 8, 10, 12}, 0);
  expect_close(values(a / col), {0.5, 1, 1.5, 1, 1.25, 1.5}, 0);
  expect_close(values(s - a), {1, 0, -1, -2, -3, -4}, 0);
  expect_close(values(col * row), {20, 40, 60, 40, 80, 120}, 0);
  EXPECT_EQ((col * row).shape(), (Shape{2, 3}));
  EXPECT_EQ((a * s).shape(), (Shape{2, 3}));
}

TEST(ElementwiseForward, NonContiguousOperands) {
  Tensor x = Tensor::arange(6, DType::f64).reshape({2, 3});  // [[0, 1, 2], [3, 4, 5]]
  Tensor t = x.t();                                          // [[0, 3], [1, 4], [2, 5]]
  Tensor ones = Tensor::ones({3, 2}, DType::f64);
  expect_close(values(t + ones), {1, 4, 2, 5, 3, 6}, 0);
  expect_close(values(t * t), {0, 9, 1, 16, 4, 25}, 0);
  expect_close(values(x.slice(1, 1, 3) - x.slice(1, 0, 2)), {1, 1, 1, 1}, 0);
  expect_close(values(exp(t) / exp(t)), std::vector<double>(6, 1.0), 1e-15);
  expect_close(values(t.slice(0, 1, 3) * x.slice(1, 0, 2).t()), {0, 12, 2, 20}, 0);
}

TEST(ElementwiseForward, ScalarOperators) {
  Tensor x = Tensor::from_vector<double>({-1.5, 0, 3}, {3});
  expect_close(values(x * 2.0), {-3, 0, 6}, 0);
  expect_close(values(2.0 * x), {-3, 0, 6}, 0);
  expect_close(values(1.0 - x), {2.5, 1, -2}, 0);
  expect_close(values(x / 3.0), {-0.5, 0, 1}, 1e-15);
  expect_close(values(x + 1.0), {-0.5, 1, 4}, 0);
  expect_close(values(x - 1.0), {-2.5, -1, 2}, 0);
  expect_close(values(affine(x, 3.0, 0.5)), {-4, 0.5, 9.5}, 0);
}

TEST(ElementwiseForward, UnaryOps) {
  Tensor x = Tensor::from_vector<double>({-2, -0.5, 0, 1.5, 4}, {5});
  Tensor p = Tensor::from_vector<double>({0.25, 1, 4, 9}, {4});
  expect_close(values(neg(x)), {2, 0.5, 0, -1.5, -4}, 0);
  expect_close(values(relu(x)), {0, 0, 0, 1.5, 4}, 0);
  expect_close(values(abs(x)), {2, 0.5, 0, 1.5, 4}, 0);
  expect_close(values(exp(x)), {std::exp(-2.0), std::exp(-0.5), 1, std::exp(1.5), std::exp(4.0)},
               1e-15);
  expect_close(values(log(p)), {std::log(0.25), 0, std::log(4.0), std::log(9.0)}, 1e-15);
  expect_close(values(sqrt(p)), {0.5, 1, 2, 3}, 1e-15);
  expect_close(values(pow(p, 2.0)), {0.0625, 1, 16, 81}, 1e-15);
  expect_close(values(pow(p, 3.0)), {0.015625, 1, 64, 729}, 1e-15);
  expect_close(values(pow(p, 0.5)), {0.5, 1, 2, 3}, 1e-15);
  expect_close(values(clamp(x, -1, 2)), {-1, -0.5, 0, 1.5, 2}, 0);
  expect_close(values(clamp_min(x, 0.25)), {0.25, 0.25, 0.25, 1.5, 4}, 0);
}

TEST(ElementwiseForward, Float32MatchesFloat64) {
  Tensor x = Tensor::randn({50}, 81, DType::f32);
  Tensor y = exp(x) * x + 1.0;
  Tensor y64 = exp(x.to(DType::f64)) * x.to(DType::f64) + 1.0;
  EXPECT_EQ(y.dtype(), DType::f32);
  expect_close(values(y), values(y64), 1e-5);
}

TEST(Comparisons, GiveUint8Masks) {
  Tensor a = Tensor::from_vector<double>({1, 2, 3, 4}, {4});
  Tensor b = Tensor::from_vector<double>({4, 2, 1, 4}, {4});
  auto mask = [](const Tensor& m) {
    EXPECT_EQ(m.dtype(), DType::u8);
    EXPECT_FALSE(m.requires_grad());
    return m.to_vector<uint8_t>();
  };
  EXPECT_EQ(mask(gt(a, b)), (std::vector<uint8_t>{0, 0, 1, 0}));
  EXPECT_EQ(mask(ge(a, b)), (std::vector<uint8_t>{0, 1, 1, 1}));
  EXPECT_EQ(mask(lt(a, b)), (std::vector<uint8_t>{1, 0, 0, 0}));
  EXPECT_EQ(mask(le(a, b)), (std::vector<uint8_t>{1, 1, 0, 1}));
  EXPECT_EQ(mask(eq(a, b)), (std::vector<uint8_t>{0, 1, 0, 1}));
  EXPECT_EQ(mask(ne(a, b)), (std::vector<uint8_t>{1, 0, 1, 0}));
  // Against a rank-0 threshold, and on a tensor that requires a gradient.
  Tensor x = leaf({6}, 82);
  Tensor positive = gt(x, Tensor::zeros({}, DType::f64));
  std::vector<double> xv = x.to_vector<double>();
  std::vector<uint8_t> pv = mask(positive);
  for (size_t i = 0; i < xv.size(); ++i) EXPECT_EQ(pv[i], xv[i] > 0 ? 1 : 0);
  // Integer tensors compare too.
  Tensor i = Tensor::arange(4);
  EXPECT_EQ(mask(eq(i, Tensor::from_vector<int64_t>({0, 5, 2, 7}, {4}))),
            (std::vector<uint8_t>{1, 0, 1, 0}));
}

TEST(Selection, WhereAndMaskedFillValues) {
  Tensor a = Tensor::from_vector<double>({1, 2, 3, 4}, {2, 2});
  Tensor b = Tensor::from_vector<double>({-1, -2}, {1, 2});
  Tensor cond = Tensor::from_vector<uint8_t>({1, 0, 0, 1}, {2, 2});
  expect_close(values(where(cond, a, b)), {1, -2, -1, 4}, 0);
  expect_close(values(masked_fill(a, cond, 9)), {9, 2, 3, 9}, 0);
  EXPECT_THROW(where(a, a, b), Error);  // the condition must be a mask
}

TEST(Selection, MaskedFillWithMinusInfinity) {
  const double inf = std::numeric_limits<double>::infinity();
  Tensor x = leaf({3, 3}, 91);
  std::vector<uint8_t> diagonal = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  Tensor filled = masked_fill(x, Tensor::from_vector(diagonal, {3, 3}), -inf);
  std::vector<double> v = values(filled), xv = values(x);
  for (size_t i = 0; i < v.size(); ++i) {
    if (diagonal[i])
      EXPECT_EQ(v[i], -inf) << i;
    else
      EXPECT_EQ(v[i], xv[i]) << i;
  }
  // exp(-inf) = 0: the filled entries drop out of a sum, and the gradient stays finite.
  Tensor total = sum(exp(filled));
  EXPECT_TRUE(std::isfinite(total.item()));
  total.backward();
  std::vector<double> g = values(x.grad());
  for (size_t i = 0; i < g.size(); ++i) {
    EXPECT_TRUE(std::isfinite(g[i])) << i;
    if (diagonal[i])
      EXPECT_EQ(g[i], 0.0) << i;
    else
      EXPECT_NEAR(g[i], std::exp(xv[i]), 1e-12) << i;
  }
  // Float32 too.
  Tensor f =
      masked_fill(Tensor::ones({2}, DType::f32), Tensor::from_vector<uint8_t>({0, 1}, {2}), -inf);
  EXPECT_EQ(f.to_vector<float>()[1], -std::numeric_limits<float>::infinity());
}

}  // namespace
}  // namespace kdup
