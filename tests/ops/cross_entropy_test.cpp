// cross_entropy: value by hand, gradient, label checks.
#include <cmath>

#include "test_util.h"

namespace kdup {
namespace {

TEST(CrossEntropy, MatchesAHandComputation) {
  Tensor logits = Tensor::from_vector<double>({2, 1, 0, 0, 0, 3}, {2, 3});
  Tensor labels = Tensor::from_vector<int64_t>({0, 1}, {2});
  // Row 0: -log(e^2 / (e^2 + e + 1)); row 1: -log(1 / (2 + e^3)).
  const double row0 = -(2 - std::log(std::exp(2.0) + std::exp(1.0) + 1));
  const double row1 = std::log(2 + std::exp(3.0));
  EXPECT_NEAR(cross_entropy(logits, labels).item(), (row0 + row1) / 2, 1e-12);
  EXPECT_EQ(cross_entropy(logits, labels).dim(), 0);
}

TEST(CrossEntropy, UniformLogitsGiveLogOfClassCount) {
  Tensor logits = Tensor::full({5, 10}, 1000.0, DType::f32);
  Tensor labels = Tensor::from_vector<int64_t>({0, 3, 9, 9, 4}, {5});
  EXPECT_NEAR(cross_entropy(logits, labels).item(), std::log(10.0), 1e-5);
}

TEST(CrossEntropy, Gradient) {
  Tensor labels = Tensor::from_vector<int64_t>({2, 0, 2, 1}, {4});
  test::expect_gradients_match(
      [labels](const std::vector<Tensor>& in) { return cross_entropy(in[0], labels); },
      {test::leaf({4, 3}, 31, 2.0)});
}

TEST(CrossEntropy, RejectsBadLabels) {
  Tensor logits = Tensor::zeros({2, 3});
  test::expect_error(
      [&] { cross_entropy(logits, Tensor::from_vector<int64_t>({0, 3}, {2})); },
      {"cross_entropy", "3", "below 3"});
  test::expect_error(
      [&] { cross_entropy(logits, Tensor::from_vector<int64_t>({-1, 0}, {2})); },
      {"cross_entropy", "-1"});
  test::expect_error(
      [&] { cross_entropy(logits, Tensor::from_vector<double>({0, 1}, {2})); },
      {"cross_entropy", "int64"});
  test::expect_error(
      [&] { cross_entropy(logits, Tensor::from_vector<int64_t>({0, 1, 2}, {3})); },
      {"cross_entropy", "3 labels"});
}

}  // namespace
}  // namespace kdup
