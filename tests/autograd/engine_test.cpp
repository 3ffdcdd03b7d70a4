// The backward engine: gradient accumulation, grad mode, one-use graphs, deep graphs.
#include <cmath>

#include "test_util.h"

namespace kdup {
namespace {

using test::expect_close;
using test::expect_error;
using test::leaf;

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

TEST(Engine, ATensorUsedTwiceInOneOpAccumulates) {
  Tensor x = Tensor::from_vector<double>({1, -2, 3}, {3});
  x.set_requires_grad(true);
  sum(x * x).backward();  // d/dx x^2 = 2x
  expect_close(values(x.grad()), {2, -4, 6}, 0);
}

TEST(Engine, ATensorUsedInTwoBranchesAccumulates) {
  Tensor x = Tensor::from_vector<double>({1, 2}, {2});
  x.set_requires_grad(true);
  Tensor h = x * 3.0;    // used by both branches below
  Tensor left = exp(h);  // d/dx = 3 e^(3x)
  Tensor right = h * x;  // 3x^2, d/dx = 6x
  sum(left + right).backward();
  expect_close(values(x.grad()), {3 * std::exp(3.0) + 6, 3 * std::exp(6.0) + 12}, 1e-14);
}

TEST(Engine, GradientsAccumulateAcrossBackwardCalls) {
  Tensor x = leaf({4}, 1);
  sum(x * 2.0).backward();
  sum(x * 3.0).backward();
  expect_close(values(x.grad()), {5, 5, 5, 5}, 0);
  x.zero_grad();
  EXPECT_FALSE(x.grad().defined());
  sum(x).backward();
  expect_close(values(x.grad()), {1, 1, 1, 1}, 0);
}

TEST(Engine, OnlyLeavesKeepAGradient) {
  Tensor x = leaf({3}, 2);
  Tensor h = x * 2.0;
  sum(h).backward();
  EXPECT_TRUE(x.grad().defined());
  EXPECT_FALSE(h.grad().defined());
  // A leaf that does not require a gradient gets none.
  Tensor c = Tensor::ones({3}, DType::f64);
  Tensor y = leaf({3}, 3);
  sum(c * y).backward();
  EXPECT_FALSE(c.grad().defined());
  expect_close(values(y.grad()), {1, 1, 1}, 0);
}

TEST(Engine, NoGradGuardRecordsNoGraph) {
  Tensor x = leaf({3}, 4);
  Tensor y;
  {
    NoGradGuard no_grad;
    EXPECT_FALSE(grad_enabled());
    y = exp(x * 2.0) + x;
    { NoGradGuard nested; }
    EXPECT_FALSE(grad_enabled());  // the inner guard restores the outer state
  }
  EXPECT_TRUE(grad_enabled());
  EXPECT_FALSE(y.requires_grad());
  EXPECT_TRUE(y.is_leaf());
  EXPECT_TRUE((x * 2.0).requires_grad());  // recording resumes after the guard
}

TEST(Engine, BackwardTwiceThroughTheSameGraphIsAnError) {
  Tensor x = leaf({3}, 5);
  Tensor loss = sum(exp(x));
  loss.backward();
  expect_error([&] { loss.backward(); }, {"backward", "already used"});
}

TEST(Engine, ReusingAnIntermediateResultOfAUsedGraphIsAnError) {
  Tensor x = leaf({3}, 8);
  Tensor h = exp(x);
  sum(h).backward();
  // A new root, but its graph runs through h's node, whose graph was already used.
  Tensor again = sum(h * 3.0);
  expect_error([&] { again.backward(); }, {"backward", "exp", "already used"});
  // The refused call left x's gradient as the first backward made it.
  expect_close(values(x.grad()), values(h), 1e-15);
}

TEST(Engine, BackwardOnANonScalarNeedsAGradient) {
  Tensor x = leaf({2, 3}, 6);
  Tensor y = x * 2.0;
  expect_error([&] { y.backward(); }, {"backward", "[2, 3]", "explicit gradient"});
  // With an explicit gradient it runs; a gradient of the wrong shape is refused.
  expect_error(
      [&] {
        y.backward(Tensor::ones({3, 2}, DType::f64));
      },
      {"backward", "[3, 2]", "[2, 3]"});
  y.backward(Tensor::full({2, 3}, 0.5, DType::f64));
  expect_close(values(x.grad()), std::vector<double>(6, 1.0), 0);
}

TEST(Engine, BackwardWithoutAGraphIsAnError) {
  expect_error([] { sum(Tensor::ones({2}, DType::f64)).backward(); }, {"backward", "gradient"});
}

TEST(Engine, BackwardOnALeafSeedsItsGradient) {
  Tensor x = Tensor::full({}, 2.0, DType::f64);
  x.set_requires_grad(true);
  x.backward();
  EXPECT_EQ(x.grad().item(), 1.0);
}

TEST(Engine, ADeepChainDoesNotOverflowTheStack) {
  const int depth = 10000;
  Tensor x = Tensor::full({2}, 1.0, DType::f64);
  x.set_requires_grad(true);
  Tensor y = x;
  for (int i = 0; i < depth; ++i) y = y * 1.0001 + 0.001;
  sum(y).backward();
  // dy/dx = 1.0001^depth (one factor per step; each step is a single affine node).
  const double expected = std::pow(1.0001, depth);
  expect_close(values(x.grad()), {expected, expected}, 1e-9);
}

TEST(Engine, DroppingADeepUnusedGraphDoesNotOverflowTheStack) {
  Tensor x = leaf({2}, 9);
  Tensor y = x;
  for (int i = 0; i < 200000; ++i) y = (i % 2) ? y * 1.0001 : y * x;  // affine and binary nodes
  EXPECT_TRUE(y.requires_grad());
  y = Tensor();  // frees the whole chain without running backward
  EXPECT_FALSE(x.grad().defined());
}

TEST(Engine, ADeepChainOfBinaryOpsDoesNotOverflowTheStack) {
  Tensor x = leaf({3}, 7);
  Tensor step = Tensor::full({}, 1.0, DType::f64);
  Tensor y = x;
  for (int i = 0; i < 10000; ++i) y = add(y, step);
  sum(y).backward();
  expect_close(values(x.grad()), {1, 1, 1}, 0);
}

}  // namespace
}  // namespace kdup
